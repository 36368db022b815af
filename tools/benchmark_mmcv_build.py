"""Time compiling mmcv's C++ ops with and without debug symbols, side by side.

``tools/bootstrap.sh`` builds mmcv 2.1.0 from its sdist with ``-g0`` appended
to Python's own compiler flags (which carry ``-g``). This script measures what
that saves: it compiles a sample of mmcv's op sources with the exact flags of
the build (Python's CFLAGS, torch's include paths, ``-O3``), once with and
once without ``-g0``, alternating the order every repetition, and prints the
time of each and their ratio. Only the compiler's work is measured (no
linking); the object code is compared too, since the point of ``-g0`` is to
change nothing but the debug sections.

Usage::

    python tools/benchmark_mmcv_build.py --sdist mmcv-2.1.0.tar.gz [--files 6] [--reps 2]

Without ``--sdist`` the sdist is fetched with ``pip download``.
"""
import argparse
import os
import os.path as osp
import statistics
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import time


def compile_cmd(src: str, out: str, common: str, debug: bool) -> list:
    """The c++ command line the mmcv build runs for one op source."""
    from torch.utils.cpp_extension import include_paths
    flags = sysconfig.get_config_var('CFLAGS').split()
    if not debug:
        flags.append('-g0')
    incs = [common] + include_paths() + [
        osp.join(sys.prefix, 'include'), sysconfig.get_paths()['include']]
    return (['c++'] + flags + ['-fPIC'] + [f'-I{i}' for i in incs] +
            ['-c', src, '-o', out, '-std=c++17',
             '-DTORCH_API_INCLUDE_EXTENSION_H',
             '-DTORCH_EXTENSION_NAME=_ext'])


def text_bytes(obj: str) -> bytes:
    """The object file's code and data sections (debug sections excluded)."""
    with tempfile.NamedTemporaryFile(suffix='.o') as f:
        subprocess.run(['objcopy', '--strip-debug', obj, f.name], check=True)
        return open(f.name, 'rb').read()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--sdist', help='mmcv-2.1.0.tar.gz (fetched if omitted)')
    ap.add_argument('--files', type=int, default=6,
                    help='number of op sources to compile (default 6)')
    ap.add_argument('--reps', type=int, default=2)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        sdist = args.sdist
        if sdist is None:
            subprocess.run([sys.executable, '-m', 'pip', 'download', '-q',
                            '--no-deps', '--no-binary', ':all:',
                            '--no-build-isolation', 'mmcv==2.1.0', '-d', tmp],
                           check=False)
            found = [f for f in os.listdir(tmp) if f.endswith('.tar.gz')]
            if not found:
                sys.exit('could not fetch the mmcv 2.1.0 sdist; pass --sdist')
            sdist = osp.join(tmp, found[0])
        with tarfile.open(sdist) as t:
            t.extractall(tmp, filter='data')
        root = osp.join(tmp, 'mmcv-2.1.0', 'mmcv', 'ops', 'csrc')
        srcs = sorted(
            osp.join(root, 'pytorch', f)
            for f in os.listdir(osp.join(root, 'pytorch'))
            if f.endswith('.cpp'))
        # an even spread over the alphabetical list, big and small files
        step = max(1, len(srcs) // args.files)
        srcs = srcs[::step][:args.files]
        common = osp.join(root, 'common')
        times = {True: [], False: []}
        same = True
        for rep in range(args.reps):
            for src in srcs:
                order = (True, False) if (rep + srcs.index(src)) % 2 == 0 \
                    else (False, True)
                objs = {}
                for debug in order:
                    out = osp.join(tmp, f'{debug}.o')
                    t0 = time.perf_counter()
                    # torch's headers warn under -Wall; only time matters
                    subprocess.run(compile_cmd(src, out, common, debug),
                                   check=True, stderr=subprocess.DEVNULL)
                    times[debug].append(time.perf_counter() - t0)
                    objs[debug] = text_bytes(out)
                same &= objs[True] == objs[False]
        g, g0 = sum(times[True]), sum(times[False])
        ratios = [a / b for a, b in zip(times[False], times[True])]
        print(f'{len(srcs)} mmcv op sources x {args.reps} repetitions, '
              'order alternating')
        print(f'  with -g (Python\'s CFLAGS): {g:.1f} s')
        print(f'  with -g0 (bootstrap):       {g0:.1f} s')
        print(f'  -g0 / -g: {g0 / g:.2f} (per file median '
              f'{statistics.median(ratios):.2f}, range '
              f'{min(ratios):.2f}-{max(ratios):.2f})')
        print('  object code without debug sections identical: '
              f'{"yes" if same else "NO"}')


if __name__ == '__main__':
    main()
