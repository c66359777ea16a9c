#!/bin/sh
# Start-up guard (bench/README.md, "Start-up"): the shared libraries an executable names (ELF
# DT_NEEDED, read with readelf) must all be in the allowed list, so a change that links a C++
# shared library into bin/torchx again (beside its static libstdc++) fails a test.
# Also used on plugins and libtorchx_runtime.so (shared objects; built executable-mode).
# Usage: check_needed.sh EXECUTABLE ALLOWED...   Exit 0 if so; 1 with one line per extra library.
#        check_needed.sh EXECUTABLE --static     Exit 0 if it names no shared library and no
#                                                 dynamic loader (fully static); 1 with one line.
exe=$1
shift
[ -x "$exe" ] || { echo "check_needed.sh: error: '$exe' is not an executable" >&2; exit 1; }
if [ "${1:-}" = --static ]; then
  needed=$(readelf -d "$exe" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
  interp=$(readelf -l "$exe" | sed -n 's/.*Requesting program interpreter: \(.*\)\]/\1/p')
  if [ -n "$needed$interp" ]; then
    echo "check_needed.sh: error: '$exe' is not static: it needs $(echo $needed $interp)" >&2
    exit 1
  fi
  echo "ok: static"
  exit 0
fi
needed=$(readelf -d "$exe" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
[ -n "$needed" ] || { echo "check_needed.sh: error: readelf found no NEEDED entry in '$exe'" >&2; exit 1; }
status=0
for lib in $needed; do
  ok=0
  for allowed in "$@"; do [ "$lib" = "$allowed" ] && ok=1; done
  if [ "$ok" = 0 ]; then
    echo "check_needed.sh: error: '$exe' needs '$lib' (allowed: $*)" >&2
    status=1
  fi
done
[ "$status" = 0 ] && echo "ok: $(echo $needed)"
exit "$status"
