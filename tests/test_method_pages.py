"""Method pages (``configs/**/README.md``) and the README's results tables
give the benchmark figures exactly as the reports do.

Every row of a results table is checked against the committed
``docs/**/results.json``: the row is identified by the config it links to
(method pages) or by its method label (README), and each figure must read
as the report formats it (mean ± sample std, one decimal; AP in percent;
paired differences signed). A page cannot drift from the results it quotes,
and a link to a config must name the config that produced the row.
"""
import json
import re
from pathlib import Path
from typing import Dict, List, Optional

import pytest

REPO = Path(__file__).resolve().parents[1]
PAGES = sorted(REPO.glob('configs/**/README.md'))
README = REPO / 'README.md'

# one page per method family and per benchmark
EXPECTED_PAGES = {
    'configs/cls/cdb/README.md', 'configs/cls/difficulty_net/README.md',
    'configs/cls/iwb/README.md', 'configs/cls/ala/README.md',
    'configs/cls/baselines/README.md', 'configs/cls/bench/README.md',
    'configs/lvis_like/README.md'
}
# each benchmark page lists every method of its results file
BENCHMARK_PAGES = {
    'configs/cls/bench/README.md': 'docs/cls_bench/results.json',
    'configs/lvis_like/README.md': 'docs/lvis_like/results.json',
}

LVIS_METRICS = ('AP', 'APr', 'APc', 'APf')
CLS_METRICS = {'top-1': 'top1', 'many': 'many', 'medium': 'medium',
               'few': 'few'}
CLS_DELTA = ('top-1 − CE', 'top-1 − CE (paired)')
# columns that name the row rather than give a figure
NAMING = {'method', 'config', 'against'}


def _fmt(stat: Optional[dict], scale: float = 1.0,
         signed: bool = False) -> str:
    """The reports' number format: ``mean ± std`` with one decimal."""
    if not stat or stat.get('mean') is None:
        return '-'
    mean = scale * stat['mean']
    text = f'{mean:+.1f}' if signed else f'{mean:.1f}'
    if stat.get('std') is not None:
        text += f' ± {scale * stat["std"]:.1f}'
    return text


class Method:
    """One method of one results file."""

    def __init__(self, key: str, entry: dict, methods: Dict[str, dict],
                 source: str, planned: Optional[list] = None):
        self.key, self.entry, self.methods = key, entry, methods
        self.source, self.planned = source, planned
        self.label = entry['label']
        summary = entry['summary']
        self.kind = 'lvis' if 'AP' in summary else 'cls'
        self.configs = {_repo_relative(run['config'])
                        for run in entry['runs'].values()
                        if run.get('config')}

    def seeds(self, form: str = '') -> str:
        """``'0,1,2'``; where ``form`` (the page's cell) reads that way,
        ``'2/3'`` (finished / planned: the classification report's main
        table) or ``'3'`` (the count of finished seeds: its other tables)."""
        done = [s for s, v in self.entry.get('status', {}).items()
                if v == 'done']
        if re.fullmatch(r'\d+/\d+', form) and self.planned:
            return f'{len(done)}/{len(self.planned)}'
        if form.isdigit() and int(form) > 1 and self.planned \
                and int(form) == len(done):
            return form  # '1' stays a seed name: it reads both ways
        if 'seeds' in self.entry:
            seeds = self.entry['seeds']
        else:
            seeds = sorted(int(s) for s, v in self.entry['status'].items()
                           if v == 'done')
        return ','.join(map(str, seeds))

    def expected(self, header: str, row: Dict[str, str]) -> Optional[str]:
        """The cell under ``header`` as the report writes it; None for a
        column this checker does not know."""
        s = self.entry['summary']
        if 'against' in row and not any(
                e['label'] == row['against'] for e in self.methods.values()):
            # a same-named method of another benchmark: not this row's
            return f'(no {row["against"]!r} in {self.source})'
        if header == 'seeds' and 'against' in row:
            return ','.join(map(str, self._versus(row)['AP']['seeds']))
        if header == 'seeds':
            return self.seeds(row.get('seeds', ''))
        if self.kind == 'lvis':
            if header in LVIS_METRICS:
                return _fmt(s[header], 100)
            if header.startswith('Δ') and header[1:] in LVIS_METRICS:
                return _fmt(self._versus(row)[header[1:]], 100, signed=True)
            return None
        if header in CLS_METRICS:
            return _fmt(s[CLS_METRICS[header]])
        if header in CLS_DELTA:
            if self.key == 'ce':
                return '(baseline)'
            return _fmt(s['top1_minus_ce'], signed=True)
        return None

    def _versus(self, row: Dict[str, str]) -> dict:
        against = [k for k, e in self.methods.items()
                   if e['label'] == row['against']]
        key = 'vs_' + against[0].replace('-', '_')
        assert key in self.entry, (f'{self.source} has no paired difference '
                                   f'of {self.key} against {against[0]}')
        return self.entry[key]


def _repo_relative(path: str) -> str:
    # the classification runner records absolute paths
    return path[path.index('configs/'):] if 'configs/' in path else path


def _load_results() -> List[Method]:
    methods = []
    for path in sorted(REPO.glob('docs/**/results.json')):
        if 'dev' in path.relative_to(REPO).parts:
            continue  # development data: choices, never reported figures
        data = json.loads(path.read_text())
        if not isinstance(data.get('methods'), dict):
            continue
        source = path.relative_to(REPO).as_posix()
        for key, entry in data['methods'].items():
            methods.append(Method(key, entry, data['methods'], source,
                                  data.get('seeds')))
    return methods


RESULTS = _load_results()


def _tables(text: str):
    """Markdown tables outside code blocks: (header, rows as dicts)."""
    lines, in_code = [], False
    for line in text.splitlines() + ['']:
        if line.startswith('```'):
            in_code = not in_code
        if not in_code and line.startswith('|'):
            lines.append(line)
            continue
        if len(lines) >= 2 and set(lines[1]) <= set('|-: '):
            cells = [_cells(x) for x in lines]
            header = cells[0]
            yield header, [dict(zip(header, c)) for c in cells[2:]]
        lines = []


def _cells(line: str) -> List[str]:
    return [c.strip() for c in line.strip().strip('|').split('|')]


def _is_results_table(header: List[str]) -> bool:
    return any(h in LVIS_METRICS or h in CLS_METRICS or h in CLS_DELTA
               or h.lstrip('Δ') in LVIS_METRICS for h in header)


def _candidates(page: Path, row: Dict[str, str]) -> List[Method]:
    links = [l for cell in row.values()
             for l in re.findall(r'\]\(([^)#]+\.py)\)', cell)]
    if links:
        configs = {(page.parent / l).resolve().relative_to(REPO).as_posix()
                   for l in links}
        return [m for m in RESULTS if m.configs & configs]
    label = row.get('method', '').strip('*')
    return [m for m in RESULTS if m.label == label]


def _mismatches(method: Method, row: Dict[str, str],
                strict_columns: bool) -> List[str]:
    kind_headers = [h for h in row if h not in NAMING]
    problems = []
    compared = 0
    for header in kind_headers:
        want = method.expected(header, row)
        if want is None:
            if strict_columns:
                problems.append(f'column {header!r} is not checked; add it '
                                'to tests/test_method_pages.py')
            continue
        compared += header != 'seeds'
        if row[header] != want:
            problems.append(f'{header}: page {row[header]!r}, '
                            f'{method.source} {want!r}')
    if not compared:
        # a same-named method of the other benchmark has none of the
        # row's figures: it cannot vouch for the row
        problems.append(f'no figure of the row is in {method.source}')
    return problems


def _check_tables(path: Path, page_rules: bool) -> int:
    """Checks every results table of ``path``; returns the rows checked.

    On a method page every row must link the config that produced it; in the
    README a row is found by its label, and rows of other results are left
    alone."""
    checked = 0
    for header, rows in _tables(path.read_text()):
        if not _is_results_table(header):
            continue
        for row in rows:
            name = f'{path.relative_to(REPO)}: {row.get("method")!r}'
            candidates = _candidates(path, row)
            if not candidates:
                assert not page_rules, (
                    f'{name} links no config of a committed results.json')
                continue
            reports = [_mismatches(m, row, page_rules) for m in candidates]
            assert any(not r for r in reports), (
                f'{name} differs from the results: {reports[0]}')
            checked += 1
    return checked


def test_every_method_has_its_page():
    found = {p.relative_to(REPO).as_posix() for p in PAGES}
    assert EXPECTED_PAGES <= found, sorted(EXPECTED_PAGES - found)


def test_results_files_are_found():
    sources = {m.source for m in RESULTS}
    assert set(BENCHMARK_PAGES.values()) <= sources, sources


@pytest.mark.parametrize('page', PAGES,
                         ids=lambda p: p.relative_to(REPO).as_posix())
def test_page_figures_match_the_results(page):
    assert _check_tables(page, page_rules=True) > 0, (
        f'{page.relative_to(REPO)} has no results table')


@pytest.mark.parametrize('page', PAGES,
                         ids=lambda p: p.relative_to(REPO).as_posix())
def test_page_has_title_abstract_and_bibtex(page):
    text = page.read_text()
    assert text.startswith('# ')
    assert '## Results' in text
    bibtex = re.findall(r'```bibtex\n(.*?)```', text, flags=re.S)
    assert bibtex and all(re.match(r'\s*@\w+\{', b) for b in bibtex)
    for block in bibtex:
        assert block.count('{') == block.count('}'), block


def _row_for(page: str, method: Method) -> str:
    """The row a benchmark page's main table gives ``method``, ready to
    paste."""
    header = (['seeds', *LVIS_METRICS] if method.kind == 'lvis' else
              ['seeds', *CLS_METRICS, CLS_DELTA[0]])
    config = sorted(method.configs)[0]
    link = Path(config).relative_to(Path(page).parent).as_posix()
    cells = [method.label, f'[{Path(config).name}]({link})']
    cells += [method.expected(h, {}) for h in header]
    return '| ' + ' | '.join(cells) + ' |'


@pytest.mark.parametrize('page,results', sorted(BENCHMARK_PAGES.items()))
def test_benchmark_page_lists_every_method(page, results):
    text = (REPO / page).read_text()
    # a method without a finished run has no figures to list yet
    missing = [m for m in RESULTS if m.source == results and m.configs
               and not any(f'({Path(c).name})' in text for c in m.configs)]
    assert not missing, (
        f'{page} has no row of {[m.key for m in missing]}; the rows, as '
        f'{results} gives them:\n'
        + '\n'.join(_row_for(page, m) for m in missing))


def test_readme_results_tables_match_the_results():
    # the LVIS-like table, its paired table and the classification table
    assert _check_tables(README, page_rules=False) >= 9 + 5 + 19


CLS_DOC = REPO / 'docs' / 'classification.md'
CLS_RESULTS = 'docs/cls_bench/results.json'


def test_classification_doc_tables_match_the_results():
    # its main table and the robust variants' table (label, top-1, few)
    assert _check_tables(CLS_DOC, page_rules=False) >= 19 + 8


@pytest.mark.parametrize('path', [README, CLS_DOC],
                         ids=lambda p: p.relative_to(REPO).as_posix())
def test_classification_tables_list_every_finished_method(path):
    """The classification results table quotes every method of the
    15-epoch report that has all its seeds, not a selection."""
    labels = {row.get('method') for header, rows in _tables(path.read_text())
              if 'top-1' in header and set(CLS_DELTA) & set(header)
              for row in rows}
    finished = [m.label for m in RESULTS if m.source == CLS_RESULTS
                and m.planned and m.seeds() == ','.join(map(str, m.planned))]
    assert len(finished) >= 19
    missing = [x for x in finished if x not in labels]
    assert not missing, f'{path.relative_to(REPO)} has no row of {missing}'


def _anchors(markdown: str) -> set:
    """GitHub's heading anchors."""
    anchors = set()
    in_code = False
    for line in markdown.splitlines():
        if line.startswith('```'):
            in_code = not in_code
        if in_code or not line.startswith('#'):
            continue
        title = line.lstrip('#').strip().lower()
        title = re.sub(r'[^\w\- ]', '', title)
        anchors.add(title.replace(' ', '-'))
    return anchors


@pytest.mark.parametrize(
    'page', PAGES + [README, REPO / 'docs' / 'install.md'],
    ids=lambda p: p.relative_to(REPO).as_posix())
def test_relative_links_resolve(page):
    text = re.sub(r'```.*?```', '', page.read_text(), flags=re.S)
    for target in re.findall(r'\]\(([^)\s]+)\)', text):
        if re.match(r'[a-z]+://', target) or target.startswith('mailto:'):
            continue
        path, _, anchor = target.partition('#')
        resolved = (page.parent / path).resolve() if path else page
        assert resolved.exists(), f'{page.name}: {target} does not exist'
        if anchor and resolved.suffix == '.md':
            assert anchor in _anchors(resolved.read_text()), (
                f'{page.name}: no heading #{anchor} in {path or page.name}')


def test_readme_methods_table_links_every_page():
    text = README.read_text()
    for page in EXPECTED_PAGES:
        assert f']({page})' in text, f'README does not link {page}'


def _all_figures() -> set:
    """Every mean ± std the results files give, formatted as the reports
    do, without its sign."""
    figures = set()
    for method in RESULTS:
        scale = 100 if method.kind == 'lvis' else 1
        stats = list(method.entry['summary'].values())
        for key, value in method.entry.items():
            if key.startswith('vs_'):
                stats += list(value.values())
        figures |= {_fmt(s, scale).lstrip('+-') for s in stats
                    if isinstance(s, dict)}
    return figures


def test_readme_answer_quotes_the_results():
    text = README.read_text()
    section = text[text.index('## Which method should I use?'):]
    section = section[:section.index('\n## ', 1)]
    quoted = re.findall(r'\d+\.\d ± \d+\.\d', section)
    assert quoted
    known = _all_figures()
    assert not [q for q in quoted if q not in known], quoted
