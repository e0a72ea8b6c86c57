"""A class on a real JupyterHub: four students at once, each running a lesson through the hub.

JupyterHub starts on 127.0.0.1 (DummyAuthenticator, SimpleLocalProcessSpawner: each student's
server is a local process with a home folder of its own, and configurable-http-proxy from npm,
tools/node/). Through the hub's REST API, as a service with admin rights would, the test creates
four students, starts their servers at once, uploads a lesson into each one's home (lessons 1 and
4, alternately), opens a kernel and runs every cell in turn over the kernel's websocket, through
the proxy, all four at the same time. Meanwhile it samples the memory of each student's process
tree (the Jupyter server, its kernel and the kernel's children) every 0.2 s. It checks that:

* every cell ran, and only cells tagged ``raises-exception`` (the exercise stubs) raised;
* each student's first run stays within the budget the teaching guide gives: 1 GiB per student
  for the server and kernel together (docs/teaching/index.md, "Memory per user");
* the servers and the hub stop when asked, leaving no process behind.

It prints the time and peak memory of each student (run pytest with -s to see them). Needs the
``hub`` extra (jupyterhub, which the ``test`` extra brings) and ``make node-tools`` (npm); without
npm it is skipped, with the reason, except under CI, where it fails.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PROXY = REPO / "build" / "node" / "node_modules" / ".bin" / "configurable-http-proxy"
LESSONS = ["01_data_exploration.ipynb", "04_train_784_128_64_10.ipynb"]
STUDENTS = 4
BUDGET_MB = 1024            # per student: the Jupyter server and the kernel at its peak, first run
CELL_TIMEOUT = 300          # seconds; a lesson is meant to run in 60 s alone
SINGLEUSER = Path(sys.executable).with_name("jupyterhub-singleuser")

pytestmark = pytest.mark.slow


def _unavailable(message: str):
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _config(folder: Path, ports: dict, token: str) -> str:
    env = {"MPLBACKEND": "Agg", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MNIST_SCRATCH_THREADS": "1",
           "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    if os.environ.get("MNIST_SCRATCH_DATA_DIR"):
        env["MNIST_SCRATCH_DATA_DIR"] = os.environ["MNIST_SCRATCH_DATA_DIR"]
    return f"""
c = get_config()  # noqa
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = {ports['hub_public']}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {ports['hub_api']}
c.JupyterHub.db_url = "sqlite:///{folder / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = "{folder / 'cookie_secret'}"
c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.allow_all = True
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = "{folder / 'home' / '{username}'}"
c.Spawner.cmd = [{str(SINGLEUSER)!r}]
c.Spawner.args = ["--allow-root", "--ServerApp.port_retries=50"]
c.Spawner.environment = {env!r}
c.Spawner.start_timeout = 180
c.Spawner.http_timeout = 180
c.ConfigurableHTTPProxy.command = [{str(PROXY)!r}]
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{ports['proxy_api']}"
c.ConfigurableHTTPProxy.pid_file = "{folder / 'proxy.pid'}"
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True
c.JupyterHub.services = [{{"name": "course-test", "api_token": {token!r}}}]
c.JupyterHub.load_roles = [{{"name": "course-test", "services": ["course-test"],
    "scopes": ["admin:users", "admin:servers", "admin:server_state", "access:servers", "read:users"]}}]
"""


class Hub:
    """The hub's REST API, as the test's service sees it."""

    def __init__(self, base: str, token: str):
        self.base, self.token = base, token

    def call(self, method: str, path: str, body=None, timeout: float = 30):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"Authorization": f"token {self.token}",
                                                  "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            text = response.read()
            return response.status, (json.loads(text) if text else None)

    def user(self, name: str) -> dict:
        return self.call("GET", f"/hub/api/users/{name}")[1]


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    if shutil.which("npm") is None and not PROXY.exists():
        _unavailable("npm is missing, so configurable-http-proxy (JupyterHub's proxy) cannot be installed: "
                     "apt-get install npm, then make node-tools")
    if not PROXY.exists():
        _unavailable(f"{PROXY} is missing: run make node-tools (npm ci from tools/node/)")
    if not SINGLEUSER.exists():
        _unavailable("JupyterHub is not installed: pip install -e '.[hub]' (the test extra brings it)")
    folder = tmp_path_factory.mktemp("hub")
    ports = {name: _free_port() for name in ("hub_public", "hub_api", "proxy_api")}
    token = secrets.token_hex(32)
    (folder / "jupyterhub_config.py").write_text(_config(folder, ports, token))
    log = open(folder / "hub.log", "w")
    process = subprocess.Popen([str(Path(sys.executable).with_name("jupyterhub")), "-f",
                                str(folder / "jupyterhub_config.py")], cwd=folder, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    api = Hub(f"http://127.0.0.1:{ports['hub_public']}", token)
    deadline = time.time() + 120
    while True:
        try:
            if api.call("GET", "/hub/api/", timeout=3)[0] == 200:
                break
        except OSError:
            pass
        if process.poll() is not None or time.time() > deadline:
            process.kill()
            pytest.fail(f"JupyterHub did not start:\n{(folder / 'hub.log').read_text()[-4000:]}")
        time.sleep(0.5)
    try:
        yield api, folder, process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)           # the hub stops its servers and its proxy
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        log.close()


class Sampler(threading.Thread):
    """Samples each student's process tree every 0.2 s: peak RSS of the whole tree and of the kernel."""

    def __init__(self, pids: dict[str, int]):
        super().__init__(daemon=True)
        self.pids, self.stop = pids, threading.Event()
        self.peak_total = dict.fromkeys(pids, 0)
        self.peak_kernel = dict.fromkeys(pids, 0)

    def run(self):
        import psutil

        while not self.stop.is_set():
            for name, pid in self.pids.items():
                try:
                    root = psutil.Process(pid)
                    tree = [root, *root.children(recursive=True)]
                except psutil.NoSuchProcess:
                    continue
                total = kernel = 0
                for proc in tree:
                    try:
                        rss = proc.memory_info().rss
                        total += rss
                        if any("ipykernel" in part for part in proc.cmdline()):
                            kernel += rss + sum(c.memory_info().rss for c in proc.children(recursive=True))
                    except psutil.NoSuchProcess:
                        pass
                self.peak_total[name] = max(self.peak_total[name], total)
                self.peak_kernel[name] = max(self.peak_kernel[name], kernel)
            self.stop.wait(0.2)


async def _run_lesson(base: str, token: str, user: str, lesson: str) -> dict:
    """Uploads the lesson into the student's home and runs it cell by cell in a kernel of their server."""
    from tornado.httpclient import AsyncHTTPClient, HTTPRequest
    from tornado.websocket import websocket_connect

    headers = {"Authorization": f"token {token}", "Content-Type": "application/json"}
    client, server = AsyncHTTPClient(), f"{base}/user/{user}"
    nb = json.loads((REPO / "notebooks" / lesson).read_text(encoding="utf-8"))
    await client.fetch(HTTPRequest(f"{server}/api/contents/{lesson}", method="PUT", headers=headers,
                                   body=json.dumps({"type": "notebook", "format": "json", "content": nb})))
    response = await client.fetch(HTTPRequest(f"{server}/api/sessions", method="POST", headers=headers, body=json.dumps(
        {"path": lesson, "type": "notebook", "name": lesson, "kernel": {"name": "python3"}})))
    kernel = json.loads(response.body)["kernel"]["id"]
    session = uuid.uuid4().hex
    ws_url = f"{server}/api/kernels/{kernel}/channels?session_id={session}".replace("http://", "ws://")
    socket_ = await websocket_connect(HTTPRequest(ws_url, headers=headers))
    started, unexpected, stubs, cells = time.perf_counter(), [], 0, 0
    try:
        for index, cell in enumerate(nb["cells"]):
            if cell["cell_type"] != "code":
                continue
            code = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            msg_id = uuid.uuid4().hex
            await socket_.write_message(json.dumps({
                "header": {"msg_id": msg_id, "msg_type": "execute_request", "session": session, "username": user,
                           "version": "5.3", "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())},
                "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
                "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                            "allow_stdin": False, "stop_on_error": False}}))
            cells += 1
            errors, idle, replied = [], False, False
            deadline = time.perf_counter() + CELL_TIMEOUT
            while not (idle and replied):
                text = await asyncio.wait_for(socket_.read_message(), max(1, deadline - time.perf_counter()))
                if text is None:
                    raise RuntimeError(f"{user}: the kernel's websocket closed during cell {index + 1} of {lesson}")
                message = json.loads(text)
                if message.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                kind = message["header"]["msg_type"]
                if kind == "error":
                    errors.append(f"{message['content']['ename']}: {message['content']['evalue'][:200]}")
                elif kind == "status" and message["content"]["execution_state"] == "idle":
                    idle = True
                elif kind == "execute_reply":
                    replied = True
            if errors and "raises-exception" in cell.get("metadata", {}).get("tags", []):
                stubs += 1
            elif errors:
                unexpected.append(f"{lesson}, cell {index + 1}: {errors[0]}")
    finally:
        socket_.close()
    return {"user": user, "lesson": lesson, "seconds": time.perf_counter() - started, "cells": cells,
            "stubs_raised": stubs, "unexpected": unexpected}


def test_four_students_run_lessons_at_once_on_a_real_hub(hub, capsys):
    api, folder, process = hub
    users = [f"student{i + 1}" for i in range(STUDENTS)]
    assert api.call("POST", "/hub/api/users", {"usernames": users})[0] == 201
    spawn_started = time.perf_counter()
    for user in users:
        assert api.call("POST", f"/hub/api/users/{user}/server")[0] in (201, 202)
    pids, deadline = {}, time.time() + 240
    while len(pids) < len(users):
        for user in users:
            server = api.user(user).get("servers", {}).get("", {})
            if server.get("ready"):
                pids[user] = server["state"]["pid"]
        if time.time() > deadline:
            pytest.fail(f"only {sorted(pids)} of the servers started:\n{(folder / 'hub.log').read_text()[-4000:]}")
        time.sleep(0.5)
    spawn_seconds = time.perf_counter() - spawn_started

    sampler = Sampler(pids)
    sampler.start()

    async def everyone():
        return await asyncio.gather(*(_run_lesson(api.base, api.token, user, LESSONS[i % len(LESSONS)])
                                      for i, user in enumerate(users)))

    try:
        results = asyncio.run(everyone())
    finally:
        sampler.stop.set()
        sampler.join()

    lines = [f"JupyterHub on 127.0.0.1: {len(users)} students' servers started together in {spawn_seconds:.0f} s; "
             f"then one lesson each, all at once, on {os.cpu_count()} cores (load {os.getloadavg()[0]:.1f}):"]
    for r in results:
        lines.append(f"  {r['user']}: {r['lesson']} in {r['seconds']:.0f} s ({r['cells']} code cells, "
                     f"{r['stubs_raised']} stubs raised as shipped); peak memory: kernel "
                     f"{sampler.peak_kernel[r['user']] / 2**20:.0f} MB, server and kernel "
                     f"{sampler.peak_total[r['user']] / 2**20:.0f} MB")
    with capsys.disabled():
        print("\n" + "\n".join(lines))

    problems = [p for r in results for p in r["unexpected"]]
    assert not problems, "cells failed that must not:\n" + "\n".join(problems)
    assert all(r["stubs_raised"] > 0 for r in results), "no exercise stub raised: was the lesson run at all?"
    over = {u: round(v / 2**20) for u, v in sampler.peak_total.items() if v > BUDGET_MB * 2**20}
    assert not over, f"students over the {BUDGET_MB} MB budget (server and kernel, MB): {over}"
    assert all(v > 150 * 2**20 for v in sampler.peak_kernel.values()), \
        f"a kernel's peak was not seen (MB): {sampler.peak_kernel}"

    # the servers stop when asked, and so does the hub, taking its proxy with it
    import psutil

    for user in users:
        assert api.call("DELETE", f"/hub/api/users/{user}/server")[0] in (202, 204)
    deadline = time.time() + 60
    while any(psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE for pid in pids.values()):
        assert time.time() < deadline, "a student's server outlived its DELETE by 60 s"
        time.sleep(0.5)
    proxy_pid = int((folder / "proxy.pid").read_text())
    process.send_signal(signal.SIGTERM)
    process.wait(60)
    deadline = time.time() + 20
    while psutil.pid_exists(proxy_pid) and psutil.Process(proxy_pid).status() != psutil.STATUS_ZOMBIE:
        assert time.time() < deadline, "the proxy outlived the hub"
        time.sleep(0.5)
