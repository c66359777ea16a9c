"""TEST CODE: start the API-server stand-in (standin.py) from a Python test and talk to it.

    with Standin(tmp_dir, tls=True, token="t0ken") as s:
        s.kubeconfig        # path of its kubeconfig
        s.url               # https://127.0.0.1:PORT
        s.call("GET", "/api/v1/namespaces/default/pods")  # -> (status, headers, body bytes)
        s.requests()        # what it has received (requests.jsonl), oldest first

The stand-in dies with its parent (this process) or on stop(). Not thread-safe; one per test.
"""
import json, os, ssl, subprocess, sys, time, http.client

HERE = os.path.dirname(os.path.abspath(__file__))


class Standin:
    def __init__(self, directory, tls=True, token=None, no_volcano=False, client_ca=False, speed=1.0):
        self.dir = os.path.abspath(directory)
        self.tls = tls or client_ca
        self.token = token
        args = [sys.executable, os.path.join(HERE, "standin.py"), "--dir", self.dir, "--speed", str(speed)]
        args += ["--tls"] if tls else []
        args += ["--token", token] if token is not None else []
        args += ["--no-volcano"] if no_volcano else []
        args += ["--client-ca"] if client_ca else []
        os.makedirs(self.dir, exist_ok=True)
        if os.path.exists(os.path.join(self.dir, "port")):
            os.unlink(os.path.join(self.dir, "port"))
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.dir, "stderr"), "w"))
        deadline = time.monotonic() + 20
        while not os.path.exists(os.path.join(self.dir, "port")):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("standin did not start: " + open(os.path.join(self.dir, "stderr")).read()[-2000:])
            time.sleep(0.02)
        self.port = int(open(os.path.join(self.dir, "port")).read())
        self.url = ("https" if self.tls else "http") + f"://127.0.0.1:{self.port}"
        self.kubeconfig = os.path.join(self.dir, "kubeconfig")
        self.ca = os.path.join(self.dir, "ca.crt")

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.stop()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)

    def connection(self, timeout=10, cert=None):
        if not self.tls:
            return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        ctx = ssl.create_default_context(cafile=self.ca)
        if cert:
            ctx.load_cert_chain(*cert)
        return http.client.HTTPSConnection("127.0.0.1", self.port, timeout=timeout, context=ctx)

    def call(self, method, path, body=None, headers=None, token=True, timeout=10, cert=None):
        """One request; body: dict (sent as JSON), bytes or None; token=True sends the stand-in's token."""
        h = dict(headers or {})
        if token is True and self.token is not None:
            h.setdefault("Authorization", "Bearer " + self.token)
        elif isinstance(token, str):
            h["Authorization"] = "Bearer " + token
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            h.setdefault("Content-Type", "application/json")
        conn = self.connection(timeout, cert)
        try:
            conn.request(method, path, body=body, headers=h)
            r = conn.getresponse()
            return r.status, dict(r.getheaders()), r.read()
        finally:
            conn.close()

    def json(self, method, path, body=None, **kw):
        status, headers, data = self.call(method, path, body, **kw)
        return status, json.loads(data) if data else None

    def requests(self):
        with open(os.path.join(self.dir, "requests.jsonl")) as f:
            return [json.loads(line) for line in f if line.strip()]
