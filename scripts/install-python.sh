#!/usr/bin/env bash
# Installs the Python module mpinmf into /usr/bin/python3's site-packages (Debian's
# /usr/local/lib/python3.X/dist-packages), after installing what is missing and building:
# then `python3 -c "import mpinmf"` works from any folder. docs/python.md describes the module.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

bash "$MPINMF_ROOT/scripts/build.sh" -DMPINMF_PYTHON=ON "$@"
cmake --install "$MPINMF_BUILD" --component python
cd / && /usr/bin/python3 -c "import mpinmf; print('mpinmf', mpinmf.__version__, 'installed in', mpinmf.__path__[0])"
