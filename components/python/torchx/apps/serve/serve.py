# SPDX-License-Identifier: BSD-3-Clause
"""torchx C++ edition: the app behind `serve.torchserve`.

Serves MODEL_PATH over HTTP (port 8222, the component's "model-download" port) and registers it
with the TorchServe management API at MANAGEMENT_API (POST /models?url=...). TorchServe itself is
not packaged for Debian 12: when the API cannot be reached the app says so.
"""
import argparse
import http.server
import os
import shutil
import socket
import sys
import tempfile
import threading
import urllib.error
import urllib.parse
import urllib.request


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model_path", required=True)
    parser.add_argument("--management_api", required=True)
    parser.add_argument("--port", type=int, default=8222)
    parser.add_argument("--dryrun", action="store_true")
    args, extra = parser.parse_known_args(argv)
    params = dict(zip([k.lstrip("-") for k in extra[0::2]], extra[1::2]))

    src = args.model_path[len("file://"):] if args.model_path.startswith("file://") else args.model_path
    if "://" in src:
        print(f"serve: error: '{args.model_path}' is not a local path (only local paths and file:// URLs are supported)",
              file=sys.stderr)
        return 1
    if not os.path.isfile(src):
        print(f"serve: error: model '{args.model_path}' is not a file", file=sys.stderr)
        return 1
    workdir = tempfile.mkdtemp(prefix="torchx_serve_")
    name = os.path.basename(src)
    shutil.copyfile(src, os.path.join(workdir, name))
    url = f"http://{socket.getfqdn()}:{args.port}/{urllib.parse.quote(name)}"
    query = urllib.parse.urlencode({"url": url, **params})
    endpoint = f"{args.management_api.rstrip('/')}/models?{query}"
    if args.dryrun:
        print(f"would serve {src} at {url} and POST {endpoint}")
        return 0

    handler = lambda *a, **kw: http.server.SimpleHTTPRequestHandler(*a, directory=workdir, **kw)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("", args.port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"serving {src} at {url}", flush=True)
    try:
        with urllib.request.urlopen(urllib.request.Request(endpoint, method="POST"), timeout=600) as resp:
            print(resp.read().decode(errors="replace"))
    except (urllib.error.URLError, OSError) as e:
        print(f"serve: error: cannot reach the TorchServe management API at {args.management_api}: {e} "
              "(is TorchServe running? it is not packaged for Debian 12)", file=sys.stderr)
        return 1
    finally:
        server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
