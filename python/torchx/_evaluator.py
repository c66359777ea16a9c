# SPDX-License-Identifier: BSD-3-Clause
"""The evaluator of Python component files (started through ``_evaluate.py``, which checks the
interpreter and puts this package first on ``sys.path``).

FD is a socket to torchx; the conversation is in host/runner/python_evaluator.hpp. stdout is
torchx's stderr (so ``print()`` in a component never reaches the protocol or torchx's stdout),
stdin is /dev/null. ``TORCHX_PYTHON_TRACEBACK=1`` prints the traceback of an exception raised by
the component to stderr, besides the one-line error torchx shows.
"""

import os
import sys

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

import json
import traceback
from typing import Any, Dict, Optional


class _Channel:
    """JSON lines over the socket torchx passed as ``fd``, moved first to a close-on-exec fd of
    its own and ``fd`` closed: a component that writes to, closes or passes on fd 3 (``os.write``,
    ``subprocess.run(close_fds=False)``, a forked child) cannot touch the conversation."""

    def __init__(self, fd: int) -> None:
        import fcntl

        self._fd = fcntl.fcntl(fd, getattr(fcntl, "F_DUPFD_CLOEXEC", 1030), 100)
        os.close(fd)
        self._buffer = b""

    def send(self, message: Dict[str, Any], lenient: bool = False) -> None:
        """Sends one message. Text that is not valid UTF-8 (lone surrogates) raises
        UnicodeEncodeError, or with ``lenient`` (error messages) is sent escaped."""
        text = json.dumps(message, ensure_ascii=False, allow_nan=False)
        data = text.encode("utf-8", "backslashreplace" if lenient else "strict") + b"\n"
        view = memoryview(data)
        while view:
            n = os.write(self._fd, view)
            view = view[n:]

    def receive(self) -> Optional[Dict[str, Any]]:
        """The next message, or None when torchx closed its end."""
        while b"\n" not in self._buffer:
            chunk = os.read(self._fd, 65536)
            if not chunk:
                return None
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return json.loads(line.decode("utf-8"))

    def named_resource(self, name: str) -> Any:
        from torchx.specs import _json

        self.send({"named_resource": name})
        answer = self.receive()
        if answer is None:
            raise KeyError(f"no named resource '{name}' (torchx stopped answering)")
        if "resource" in answer:
            return _json.resource_from_dict(answer["resource"])
        raise KeyError(str(answer.get("error", f"no named resource '{name}'")))


def _location(error: BaseException, path: str) -> Dict[str, Any]:
    """The innermost frame of the traceback outside torchx's own package (the line of the
    component that raised, or that called what raised); else the component file ``path`` (torchx
    found the fault in what the component returned)."""
    frames = traceback.extract_tb(error.__traceback__)
    own = os.path.join(_PACKAGE_DIR, "torchx") + os.sep
    chosen = None
    for frame in frames:
        if not os.path.abspath(frame.filename).startswith(own):
            chosen = frame
    if chosen is None:
        return {"file": path}
    return {"file": chosen.filename, "line": chosen.lineno}


def _exception(error: BaseException, path: str) -> Dict[str, Any]:
    if os.environ.get("TORCHX_PYTHON_TRACEBACK") == "1":
        traceback.print_exception(type(error), error, error.__traceback__, file=sys.stderr)
    message = str(error)
    if isinstance(error, SystemExit):
        message = f"the component called sys.exit({error.code!r})"
    elif isinstance(error, KeyError) and len(error.args) == 1 and isinstance(error.args[0], str):
        message = error.args[0]  # not repr()'s quotes
    return {"error": {"kind": "exception", "type": type(error).__name__, "message": message, **_location(error, path)}}


def _flush_and_exit(code: int) -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: S110 (a closed or broken stream: nothing left to say there)
            pass
    os._exit(code)


def _send_result(channel: _Channel, message: Dict[str, Any]) -> None:
    """Sends the last message, after what the component printed (so that it shows first)."""
    try:
        sys.stdout.flush()
    except Exception:  # noqa: S110 (a broken stdout does not stop the answer)
        pass
    try:
        if "error" in message:
            channel.send(message, lenient=True)
            return
        try:
            channel.send(message)
        except UnicodeEncodeError as e:
            channel.send({"error": {"kind": "exception", "type": "UnicodeEncodeError",
                                    "message": f"the component's result holds text that is not valid UTF-8: {e}"}})
    except OSError:  # torchx closed its end (it stopped, or gave up on us): it says why, not us
        _flush_and_exit(1)


def main(fd: int, path: Optional[str], function: str, module: Optional[str] = None) -> None:
    """Evaluates ``function`` of the component file ``path`` (or, with ``path`` None, of the
    module ``module``), talking to torchx on ``fd``."""
    channel = _Channel(fd)
    import torchx.specs as specs
    from torchx.specs import _component, _json

    specs._native_named_resource = channel.named_resource
    try:
        if path is None:
            fn = _component.load_module(module or "", function)
            path = getattr(sys.modules.get(module or ""), "__file__", None) or f"{module}:{function}"
        else:
            fn = _component.load_file(path, function)
        spec = _component.ComponentSpec(fn)
        signature = spec.signature()
    except _component.ComponentFileError as e:
        kind = "not_found" if e.not_found else "file"
        _send_result(channel, {"error": {"kind": kind, "message": str(e)}})
        _flush_and_exit(0)
        return
    except _component.ComponentValidationError as e:
        _send_result(channel, {"error": {"kind": "file", "message": f"{path}: {e}"}})
        _flush_and_exit(0)
        return
    except BaseException as e:  # the file's top level raised
        _send_result(channel, _exception(e, path))
        _flush_and_exit(0)
        return
    _send_result(channel, {"signature": signature})

    message = channel.receive()
    if message is None or "build" not in message:  # torchx needed only the signature (--help)
        _flush_and_exit(0)
        return
    try:
        app = spec.call(message["build"])
        result: Dict[str, Any] = {"app": _json.app_def_to_dict(app)}
    except _component.ArgumentError as e:
        result = {"error": {"kind": "argument", "message": str(e), "argument": e.argument}}
    except _json.JsonEncodeError as e:
        result = {"error": {"kind": "exception", "type": "TypeError",
                            "message": f"the AppDef '{function}' returned cannot be used: {e}", "file": path}}
    except BaseException as e:
        result = _exception(e, path)
    _send_result(channel, result)
    _flush_and_exit(0)

