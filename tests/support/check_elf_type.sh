#!/bin/sh
# Start-up guard (bench/README.md, "Start-up", "Non-PIE"): the ELF type of an executable, read
# with readelf, must be the expected one: EXEC (a fixed-address, non-PIE executable: the dynamic
# loader relocates nothing of it) or DYN (a position-independent executable or a shared object).
# Usage: check_elf_type.sh FILE EXEC|DYN   Exit 0 if so; 1 with one line saying what it is.
file=$1
want=$2
case "$want" in
  EXEC | DYN) ;;
  *) echo "check_elf_type.sh: error: expected EXEC or DYN, given '$want'" >&2; exit 1 ;;
esac
[ -f "$file" ] || { echo "check_elf_type.sh: error: '$file' is not a file" >&2; exit 1; }
type=$(readelf -h "$file" 2>/dev/null | sed -n 's/^ *Type: *\([A-Z]*\).*/\1/p')
[ -n "$type" ] || { echo "check_elf_type.sh: error: readelf found no ELF header in '$file'" >&2; exit 1; }
if [ "$type" != "$want" ]; then
  echo "check_elf_type.sh: error: '$file' is of ELF type $type, expected $want" >&2
  exit 1
fi
echo "ok: $type"
