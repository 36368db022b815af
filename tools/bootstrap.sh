#!/usr/bin/env bash
# Build (or reuse) the Python environment that lt_plugins runs in.
#
# Idempotent: every step first checks whether its result is already there and
# skips itself if so. The environment lives outside the checkout so that a
# second clone on the same machine reuses it:
#
#   LT_PLUGINS_HOME   (default ~/.cache/lt_plugins)
#     venv/                 the virtual environment
#     wheels/torch-<ver>/   the locally built mmcv wheel, per torch version it
#                           was compiled against, reused by later setups
#
# Set LT_PLUGINS_PYTHON to an existing interpreter to use that environment
# instead: packages it already has in working order are kept, whatever their
# version (a warning names the ones that differ from the pins), and only what
# is missing or broken is installed.
#
# Pinned stack (see README "Environment"): torch 2.13.0, torchvision 0.28.0,
# mmengine 0.10.7, mmcv 2.1.0 with compiled ops, mmdet 3.3.0, mmpretrain 1.2.0,
# lvis 0.5.3, pycocotools, faster-coco-eval 1.8.0, matplotlib.
set -euo pipefail

HOME_DIR="${LT_PLUGINS_HOME:-$HOME/.cache/lt_plugins}"
VENV="$HOME_DIR/venv"
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

say() { printf '[bootstrap] %s\n' "$*" >&2; }
die() { printf '[bootstrap] ERROR: %s\n' "$*" >&2; exit 1; }

if [ -n "${LT_PLUGINS_PYTHON:-}" ]; then
    PY="$LT_PLUGINS_PYTHON"
    OWN_ENV=0
    [ -x "$PY" ] || die "LT_PLUGINS_PYTHON=$PY is not an executable interpreter"
else
    PY="$VENV/bin/python"
    OWN_ENV=1
    # a venv whose creation failed half-way has a python but no pip
    if [ -x "$PY" ] && ! "$PY" -m pip --version >/dev/null 2>&1; then
        say "the virtual environment in $VENV has no pip; creating it again"
        rm -rf "$VENV"
    fi
    if [ ! -x "$PY" ]; then
        say "creating virtual environment in $VENV"
        mkdir -p "$HOME_DIR"
        python3 -m venv "$VENV" || { rm -rf "$VENV"; die "python3 -m venv $VENV failed (on Debian/Ubuntu: apt-get install python3-venv)"; }
    fi
fi
# pip's notes about this machine's empty local index folders are noise
pipi() {
    "$PY" -m pip install --disable-pip-version-check -q "$@" \
        2> >(grep -v "^WARNING: Location 'file:" >&2)
}
has() { "$PY" - "$@" >/dev/null 2>&1; }
# version of an installed distribution, empty if none
version_of() {
    "$PY" -c "import importlib.metadata as m, sys
try: print(m.version(sys.argv[1]))
except m.PackageNotFoundError: pass" "$1" 2>/dev/null || true
}
# in our own venv a pin is exact; in the user's environment a working
# package of another version is kept, with a warning
keep_or_pin() {  # name pinned-version
    local have; have=$(version_of "$1")
    if [ -z "$have" ]; then return 1; fi
    if [ "${have%%+*}" = "$2" ]; then return 0; fi
    if [ "$OWN_ENV" = 0 ]; then
        say "WARNING: keeping your $1 $have (lt_plugins is tested with $2)"
        return 0
    fi
    return 1
}

# 1. torch + torchvision. The registry's build, not the CPU-only file in the
#    machine's local wheel directory: torchvision fails to import beside that
#    one ("operator torchvision::nms does not exist").
torch_ok() {
    has <<'PYEOF'
import torch, torchvision, torchvision.ops
torchvision.ops.nms(torch.zeros(1, 4), torch.zeros(1), 0.5)
PYEOF
}
if torch_ok && keep_or_pin torch 2.13.0 && keep_or_pin torchvision 0.28.0; then
    say "torch $(version_of torch) + torchvision $(version_of torchvision) already installed and working, keeping them"
else
    say "installing torch 2.13.0 + torchvision 0.28.0 (about a minute)"
    PIP_FIND_LINKS=" " pipi torch==2.13.0 torchvision==0.28.0 \
        || die "installing torch/torchvision failed"
    if ! torch_ok; then
        # e.g. a local CPU-only 2.13.0+cpu build was there: pip saw the pin
        # satisfied and changed nothing
        say "torch/torchvision do not work together; reinstalling both from the registry"
        PIP_FIND_LINKS=" " pipi --force-reinstall --no-deps \
            torch==2.13.0 torchvision==0.28.0 \
            || die "reinstalling torch/torchvision failed"
        torch_ok || die "torch $(version_of torch) / torchvision $(version_of torchvision) still fail to import together (check: $PY -c 'import torchvision.ops')"
    fi
fi
TORCH_VERSION=$(version_of torch)
WHEELS="$HOME_DIR/wheels/torch-$TORCH_VERSION"
mkdir -p "$WHEELS"

# 2. mmengine, a setuptools with pkg_resources, numpy, pytest.
if keep_or_pin mmengine 0.10.7; then
    say "mmengine $(version_of mmengine) already installed"
else
    say "installing mmengine 0.10.7"
    pipi "mmengine==0.10.7" || die "installing mmengine failed"
fi
# mmengine's Config.fromfile('mmdet::...') imports pkg_resources, which
# setuptools >= 81 no longer ships; torch asks for setuptools >= 77.0.3
if ! has <<<'import pkg_resources'; then
    say "installing setuptools>=77.0.3,<81 (mmengine's config loader needs its pkg_resources)"
    pipi "setuptools>=77.0.3,<81" || die "installing setuptools failed"
fi
if [ -z "$(version_of numpy)" ] || [ -z "$(version_of pytest)" ] || [ -z "$(version_of hypothesis)" ]; then
    say "installing numpy, pytest and hypothesis"
    pipi "numpy<3" pytest hypothesis || die "installing numpy / pytest / hypothesis failed"
fi

# 3. mmcv 2.1.0 with compiled ops. No wheel exists for torch 2.13, so it is
#    built from the sdist once (7-8 minutes on 2 cores) and the wheel is
#    cached in $WHEELS, next to the torch version it was compiled against.
mmcv_ok() {
    has <<'PYEOF'
import torch
from mmcv.ops import RoIAlign, nms
nms(torch.zeros(1, 4), torch.zeros(1), 0.5)
PYEOF
}
if mmcv_ok && keep_or_pin mmcv 2.1.0; then
    say "mmcv $(version_of mmcv) with ops already installed, keeping it"
else
    wheel=$(ls "$WHEELS"/mmcv-2.1.0-*.whl 2>/dev/null | head -n 1 || true)
    if [ -z "$wheel" ]; then
        # The build needs setuptools<70 (>= 70 lacks pkg_resources and the
        # mmcv build dies at once), while torch asks for a newer one. The
        # build tools go into a folder of their own, put first on PYTHONPATH
        # and PATH for the build alone, so the environment keeps its
        # setuptools and pip has no conflict to report.
        TOOLS="$HOME_DIR/build-tools"
        if ! PYTHONPATH="$TOOLS" "$PY" -c 'import pkg_resources, wheel' >/dev/null 2>&1 \
                || [ ! -x "$TOOLS/bin/ninja" ]; then
            say "installing the mmcv build tools (setuptools<70, wheel, ninja) into $TOOLS"
            rm -rf "$TOOLS"
            pipi --no-deps --target "$TOOLS" "setuptools<70" wheel ninja \
                || die "installing the build tools failed"
        fi
        # -g0: no debug symbols (python's own CFLAGS carry -g); the compiled
        # code is the same, the compiler has less to write.
        say "building mmcv 2.1.0 with ops from source against torch $TORCH_VERSION (about 8 minutes on 2 cores, log in $HOME_DIR/mmcv-build.log)"
        start=$SECONDS
        if ! PYTHONPATH="$TOOLS${PYTHONPATH:+:$PYTHONPATH}" PATH="$TOOLS/bin:$PATH" \
                CFLAGS="${CFLAGS:-} -g0" CXXFLAGS="${CXXFLAGS:-} -g0" \
                MMCV_WITH_OPS=1 FORCE_CUDA=0 MAX_JOBS="${MAX_JOBS:-$(nproc)}" \
                "$PY" -m pip wheel --no-deps --no-build-isolation \
                --disable-pip-version-check -w "$WHEELS" \
                mmcv==2.1.0 >"$HOME_DIR/mmcv-build.log" 2>&1; then
            tail -n 30 "$HOME_DIR/mmcv-build.log" >&2
            die "the mmcv build failed; full log: $HOME_DIR/mmcv-build.log"
        fi
        say "mmcv built in $(( (SECONDS - start) / 60 )) min $(( (SECONDS - start) % 60 )) s"
        wheel=$(ls "$WHEELS"/mmcv-2.1.0-*.whl | head -n 1)
    else
        say "reusing cached mmcv wheel $wheel"
    fi
    # --force-reinstall: pip skips a wheel whose version is already installed,
    # which would leave a broken mmcv 2.1.0 in place
    pipi --force-reinstall --no-deps "$wheel" || die "installing $wheel failed"
    if ! mmcv_ok; then
        "$PY" -c 'from mmcv.ops import nms' 2>&1 | tail -n 3 >&2 || true
        die "mmcv installed but mmcv.ops does not work with torch $TORCH_VERSION; remove $WHEELS to rebuild it"
    fi
fi

# 4. The OpenMMLab libraries and LVIS evaluation (their own dependencies,
#    e.g. mmcv and mmengine, are already satisfied above).
missing=()
keep_or_pin mmdet 3.3.0 || missing+=("mmdet==3.3.0")
keep_or_pin mmpretrain 1.2.0 || missing+=("mmpretrain==1.2.0")
keep_or_pin lvis 0.5.3 || missing+=("lvis==0.5.3")
[ -n "$(version_of pycocotools)" ] || missing+=("pycocotools>=2.0.7")
# the fast LVIS evaluation backend and the plotting library of the benchmarks
keep_or_pin faster-coco-eval 1.8.0 || missing+=("faster-coco-eval==1.8.0")
[ -n "$(version_of matplotlib)" ] || missing+=("matplotlib>=3.7")
if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]}"
    pipi "${missing[@]}" || die "installing ${missing[*]} failed"
else
    say "mmdet, mmpretrain, lvis, pycocotools, faster-coco-eval and matplotlib already installed"
fi

# 5. This package, editable, so configs and tools see the checkout.
#    pyproject.toml builds with setuptools >= 64 (PEP 660 editable installs);
#    an environment with an older one lets pip build in isolation.
say "installing lt_plugins (editable) from $REPO"
isolation=--no-build-isolation
has <<<'import setuptools, sys; sys.exit(int(setuptools.__version__.split(".")[0]) < 64)' \
    || isolation=
pipi --no-deps $isolation -e "$REPO" || die "installing lt_plugins failed"

"$PY" - <<'PYEOF' >&2 || die "the final import check failed (its error is above)"
import warnings
warnings.filterwarnings('ignore', message='pkg_resources is deprecated')
import pkg_resources, mmcv.ops, mmdet.models, mmpretrain.models, lvis, faster_coco_eval, matplotlib
import lt_plugins.det, lt_plugins.cls
PYEOF
say "environment ready: $PY"
echo "$PY"
