# SPDX-License-Identifier: BSD-3-Clause
"""torchx C++ edition: the app behind `utils.copy`. Copies the file SRC to DST.

Local paths and file:// URLs always work; other URLs (s3://, gs://, ...) need Python's fsspec.
"""
import argparse
import os
import shutil
import sys


def local(url: str):
    if url.startswith("file://"):
        return url[len("file://"):]
    return None if "://" in url else url


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--src", required=True)
    parser.add_argument("--dst", required=True)
    args = parser.parse_args(argv)
    src, dst = local(args.src), local(args.dst)
    if src is not None and dst is not None:
        if not os.path.isfile(src):
            print(f"copy_main: error: '{args.src}' is not a file", file=sys.stderr)
            return 1
        parent = os.path.dirname(os.path.abspath(dst))
        os.makedirs(parent, exist_ok=True)
        shutil.copyfile(src, dst)
    else:
        try:
            import fsspec  # noqa: F401
        except ImportError:
            print(f"copy_main: error: cannot copy '{args.src}' to '{args.dst}': fsspec is not installed "
                  "(only local paths and file:// URLs work without it)", file=sys.stderr)
            return 1
        import fsspec
        with fsspec.open(args.src, "rb") as fin, fsspec.open(args.dst, "wb") as fout:
            shutil.copyfileobj(fin, fout)
    print(f"copied {args.src} to {args.dst}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
