"""The teacher's route, tested end to end (issue 25): `make test-hub` (run by .ci/run; deselected from `make test`).

1. The wheel: `python -m build` makes it, and it is installed into a fresh virtual environment outside the
   repository with the pinned requirements, the way docs/teaching-guide.md tells a teacher; a student notebook runs
   there from a folder that is not the repository (the package finds its shipped data).
2. A class on a real JupyterHub: the hub from that environment (DummyAuthenticator, SimpleLocalProcessSpawner) and
   configurable-http-proxy from the npm registry (installed at test time into build/hub/proxy from
   tests/hub/package-lock.json), on 127.0.0.1 only, started here and stopped after. Ten student accounts each start a
   server, get the student edition with nbgitpuller from a local git repository, and run notebook 03 through the
   hub's proxy with Jupyter Server's REST API and the kernel websocket. Every run must finish without an error; the
   memory of each student (server + kernel) and of the whole hub is sampled and written to build/bench/hub.json,
   which `make bench` reports and the teaching guide quotes.
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
import uuid
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest

from dry_needling import classroom, paths

pytestmark = [pytest.mark.slow, pytest.mark.hub]

ROOT = paths.ROOT
STUDENTS = [f"student{i:02d}" for i in range(1, 11)]
NOTEBOOK = "03_why_blinding_is_hard.ipynb"
RESULTS = ROOT / "build" / "bench" / "hub.json"
PROXY_DIR = ROOT / "build" / "hub" / "proxy"
COURSE = "dry-needling"  # the folder nbgitpuller creates in each home


def _clean_env(**extra) -> dict:
    """The machine's environment without this checkout's settings: no DRY_NEEDLING_* overrides, no virtualenv."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DRY_NEEDLING_", "JUPYTER", "PYTHON"))
           and k not in {"VIRTUAL_ENV", "MPLBACKEND"}}
    env.update(extra)
    return env


def _run(command: list, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run([str(c) for c in command], capture_output=True, text=True, **kwargs)
    assert done.returncode == 0, f"{' '.join(map(str, command))} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """`python -m build` (sdist, then the wheel from the sdist), in its isolated environment with the setuptools
    that pyproject.toml's [build-system] pins (the project's .venv keeps its own setuptools)."""
    out = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "build", "--outdir", out, ROOT], cwd=ROOT, timeout=900)
    wheels = list(out.glob("dry_needling_evidence-*-py3-none-any.whl"))
    assert len(wheels) == 1, list(out.iterdir())
    return wheels[0]


@pytest.fixture(scope="module")
def class_env(wheel, tmp_path_factory) -> Path:
    """A fresh virtual environment outside the repository: requirements.txt, the hub, nbgitpuller and the wheel,
    every version pinned (requirements-dev.txt as constraints), as the teaching guide's install route."""
    reuse = os.environ.get("TEST_HUB_REUSE_ENV")  # only for working on this test: an environment built before
    if reuse:
        return Path(reuse)
    env = tmp_path_factory.mktemp("class-env") / "env"
    _run([sys.executable, "-m", "venv", env])
    _run([env / "bin" / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
          "-r", ROOT / "requirements.txt", "-c", ROOT / "requirements-dev.txt", "jupyterhub", "nbgitpuller", wheel],
         env=_clean_env(), timeout=1800)
    return env


@pytest.fixture(scope="module")
def editions(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("editions") / "classroom"
    classroom.build(out, log=lambda *_: None)
    return out


def test_the_wheel_ships_the_data_package_templates_and_assets(wheel):
    import zipfile

    names = set(zipfile.ZipFile(wheel).namelist())
    data = {f"dry_needling/_shipped/data/{p.name}" for p in (ROOT / "data").iterdir() if p.is_file()}
    assert data <= names, sorted(data - names)
    assert {"dry_needling/templates/offline/index.html.j2", "dry_needling/report/assets/site.css"} <= names
    assert not [n for n in names if n.startswith(("tests/", "notebooks/", "figures/"))]


def _outputs(cell) -> str:
    return "".join("".join(o["text"]) if o.get("output_type") == "stream" else json.dumps(o) for o in cell["outputs"])


def test_the_wheel_runs_a_student_notebook_outside_the_repository(class_env, editions, tmp_path):
    """The installed package (not the checkout) runs the student edition of notebook 03 in a folder outside the
    repository: no error, data from the wheel, figures into the notebook's own folder, checks that answer."""
    work = tmp_path / "class"
    work.mkdir()
    nb = json.loads((editions / "student" / NOTEBOOK).read_text(encoding="utf-8"))
    probe = ("from dry_needling import paths, simulate\nfrom dry_needling.classroom import check\n"
             "print('DATA', paths.data_dir())\ncheck('03-1', simulate.expected_observed_effect(0, 1.0, 0.47, -0.32))")
    nb["cells"].append({"cell_type": "code", "execution_count": None, "id": "wheel-probe", "metadata": {},
                        "outputs": [], "source": probe})
    (work / NOTEBOOK).write_text(json.dumps(nb), encoding="utf-8")
    _run([class_env / "bin" / "jupyter", "execute", "--inplace", "--timeout=600", NOTEBOOK], cwd=work,
         env=_clean_env(HOME=str(tmp_path)), timeout=900)
    ran = json.loads((work / NOTEBOOK).read_text(encoding="utf-8"))
    errors = [o for c in ran["cells"] if c["cell_type"] == "code" for o in c["outputs"] if o["output_type"] == "error"]
    assert not errors, errors[:1]
    checks = [c for c in ran["cells"] if "check" in c["metadata"].get("tags", [])]
    assert checks and all(": not answered yet." in _outputs(c) for c in checks)
    probe_out = _outputs(ran["cells"][-1])
    data_dir = Path(probe_out.split("DATA ", 1)[1].splitlines()[0])
    assert data_dir.is_relative_to(class_env) and data_dir.parts[-3:] == ("dry_needling", "_shipped", "data"), data_dir
    assert "Exercise 03-1: correct." in probe_out
    assert (work / "figures" / "sham_needle_sensations.png").is_file()  # written beside the notebook
    assert not (ROOT / "src" / "dry_needling" / "_shipped").exists()


# --- the hub --------------------------------------------------------------------------------------------------------


def _free_ports(count: int) -> list[int]:
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _proxy() -> Path:
    """configurable-http-proxy from the npm registry, installed with `npm ci` from the committed lock file into
    build/hub/proxy (again only when the lock file changed)."""
    lock = ROOT / "tests" / "hub" / "package-lock.json"
    binary = PROXY_DIR / "node_modules" / ".bin" / "configurable-http-proxy"
    if not binary.exists() or (PROXY_DIR / "package-lock.json").read_bytes() != lock.read_bytes():
        npm = shutil.which("npm")
        assert npm, "make test-hub needs node and npm (configurable-http-proxy comes from the npm registry)"
        shutil.rmtree(PROXY_DIR, ignore_errors=True)
        PROXY_DIR.mkdir(parents=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copy(ROOT / "tests" / "hub" / name, PROXY_DIR / name)
        _run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=PROXY_DIR, timeout=600)
    return binary


def _course_repository(editions: Path, folder: Path) -> Path:
    """A local git repository holding the student edition, as a teacher would publish it for nbgitpuller."""
    repo = folder / "course.git"
    work = folder / "course"
    work.mkdir()
    for path in sorted((editions / "student").glob("*.ipynb")):
        shutil.copy(path, work / path.name)
    git = ["git", "-c", "user.name=Teacher", "-c", "user.email=teacher@example.invalid", "-c",
           "init.defaultBranch=main"]
    _run([*git, "init", "--quiet", work])
    _run([*git, "-C", work, "add", "."])
    _run([*git, "-C", work, "commit", "--quiet", "-m", "Student edition"])
    _run([*git, "clone", "--quiet", "--bare", work, repo])
    return repo


HUB_CONFIG = """
c = get_config()  # noqa: F821
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = {port}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub_port}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{api_port}"
c.ConfigurableHTTPProxy.command = [{proxy!r}]
c.JupyterHub.db_url = "sqlite:///{folder}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = "{folder}/jupyterhub_cookie_secret"
c.JupyterHub.pid_file = "{folder}/jupyterhub.pid"
c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.allowed_users = set({students!r})
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = "{folder}/homes/{{username}}"
c.Spawner.cmd = [{singleuser!r}]
c.Spawner.args = {args!r}
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 300
c.Spawner.http_timeout = 300
c.JupyterHub.services = [{{"name": "class-test", "api_token": {token!r}}}]
c.JupyterHub.load_roles = [{{"name": "class-test", "services": ["class-test"],
                            "scopes": ["admin:users", "admin:servers", "tokens", "access:servers"]}}]
c.JupyterHub.cleanup_servers = True
"""


class Memory:
    """Samples the hub's process tree (the hub, the proxy, every single-user server and kernel): resident memory
    (RSS) and proportional memory (PSS: shared pages divided among the processes that share them, so the sum is
    what the machine really spends), per student and in total, keeping the peaks."""

    def __init__(self, hub_pid: int):
        import psutil

        self.psutil, self.hub = psutil, psutil.Process(hub_pid)
        self.owner: dict[int, str] = {}
        self.peak_user: dict[str, dict[str, float]] = {}
        self.peak_total = {"rss": 0.0, "pss": 0.0}
        self.samples, self._stop, self._thread = 0, threading.Event(), None

    def _user(self, process) -> str:
        if process.pid not in self.owner:
            try:
                self.owner[process.pid] = process.environ().get("JUPYTERHUB_USER", "")
            except (self.psutil.Error, OSError):
                self.owner[process.pid] = ""
        return self.owner[process.pid]

    def sample(self) -> dict:
        per_user: dict[str, dict[str, float]] = {}
        total = {"rss": 0.0, "pss": 0.0}
        for process in [self.hub, *self.hub.children(recursive=True)]:
            try:
                info = process.memory_full_info()
            except (self.psutil.Error, OSError):
                continue
            mb = {"rss": info.rss / 2**20, "pss": info.pss / 2**20}
            user = self._user(process)
            for key in mb:
                total[key] += mb[key]
                if user:
                    per_user.setdefault(user, {"rss": 0.0, "pss": 0.0})[key] += mb[key]
        for key in total:
            self.peak_total[key] = max(self.peak_total[key], total[key])
        for user, mb in per_user.items():
            peak = self.peak_user.setdefault(user, {"rss": 0.0, "pss": 0.0})
            for key in mb:
                peak[key] = max(peak[key], mb[key])
        self.samples += 1
        return total

    def start(self):
        def loop():
            while not self._stop.is_set():
                self.sample()
                self._stop.wait(0.5)
        self._thread = threading.Thread(target=loop, daemon=True)
        self._thread.start()

    def stop(self):
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=30)


class Hub:
    """The hub's REST API and each student's server behind the proxy, with tornado's async HTTP client."""

    def __init__(self, port: int, token: str):
        from tornado.httpclient import AsyncHTTPClient

        self.base, self.token = f"http://127.0.0.1:{port}", token
        self.http = AsyncHTTPClient(max_clients=50)
        self.user_tokens: dict[str, str] = {}

    async def call(self, method: str, path: str, body=None, token: str | None = None, timeout: float = 300):
        from tornado.httpclient import HTTPRequest

        request = HTTPRequest(f"{self.base}{path}", method=method, request_timeout=timeout,
                              headers={"Authorization": f"token {token or self.token}"},
                              body=None if body is None and method == "GET" else json.dumps(body or {}),
                              allow_nonstandard_methods=True)
        response = await self.http.fetch(request, raise_error=False)
        if response.code >= 400:
            raise AssertionError(f"{method} {path}: HTTP {response.code} {response.body[:500]!r}")
        return json.loads(response.body) if response.body else None

    async def wait_ready(self, user: str, deadline: float):
        while time.monotonic() < deadline:
            model = await self.call("GET", f"/hub/api/users/{user}")
            server = model.get("servers", {}).get("", {})
            if server.get("ready"):
                return
            await asyncio.sleep(1)
        raise AssertionError(f"{user}'s server was not ready in time")

    async def start(self, user: str) -> None:
        await self.call("POST", f"/hub/api/users/{user}/server")
        await self.wait_ready(user, time.monotonic() + 300)
        token = await self.call("POST", f"/hub/api/users/{user}/tokens", {"note": "class test", "expires_in": 3600})
        self.user_tokens[user] = token["token"]

    async def pull(self, user: str, repo: Path) -> list[dict]:
        """nbgitpuller's API (what the link the guide gives to students calls): clone the course into the home."""
        query = urlencode({"repo": f"file://{repo}", "branch": "main", "targetpath": COURSE})
        response = await self.call_raw("GET", f"/user/{user}/git-pull/api?{query}", user)
        events = [json.loads(line[6:]) for line in response.splitlines() if line.startswith("data: ")]
        return events

    async def call_raw(self, method: str, path: str, user: str) -> str:
        from tornado.httpclient import HTTPRequest

        request = HTTPRequest(f"{self.base}{path}", method=method, request_timeout=300,
                              headers={"Authorization": f"token {self.user_tokens[user]}"})
        response = await self.http.fetch(request, raise_error=False)
        assert response.code == 200, (path, response.code, response.body[:500])
        return response.body.decode()

    async def run_notebook(self, user: str, path: str) -> dict:
        """Open a session on the notebook (its kernel starts in the notebook's folder, as in JupyterLab), execute
        every code cell over the kernel websocket, and collect errors and the check cells' output."""
        from tornado.httpclient import HTTPRequest
        from tornado.websocket import websocket_connect

        token = self.user_tokens[user]
        api = f"/user/{user}/api"
        model = await self.call("GET", f"{api}/contents/{quote(path)}?content=1", token=token)
        cells = model["content"]["cells"]
        session = await self.call("POST", f"{api}/sessions", {"path": path, "type": "notebook", "name": path,
                                                              "kernel": {"name": "python3"}}, token=token)
        kernel = session["kernel"]["id"]
        url = f"{self.base.replace('http', 'ws', 1)}{api}/kernels/{kernel}/channels?session_id={uuid.uuid4().hex}"
        # The same 300 s as the other calls (tornado's default is 20 s): with ten kernels starting at once on a
        # loaded 2-core machine, the server answered the websocket after more than 20 s (seen on a fresh-clone run).
        socket_ = await websocket_connect(HTTPRequest(url, headers={"Authorization": f"token {token}"},
                                                      connect_timeout=300, request_timeout=300),
                                          max_message_size=64 * 2**20)
        result = {"cells": 0, "errors": [], "checks": [], "seconds": 0.0}
        started = time.monotonic()
        try:
            for cell in cells:
                if cell["cell_type"] != "code" or not "".join(cell["source"]).strip():
                    continue
                text, status = await self._execute(socket_, "".join(cell["source"]))
                result["cells"] += 1
                if status != "ok":
                    result["errors"].append({"cell": cell.get("id"), "status": status, "output": text[-2000:]})
                if "check" in cell.get("metadata", {}).get("tags", []):
                    result["checks"].append(text)
        finally:
            socket_.close()
            await self.call("DELETE", f"{api}/sessions/{session['id']}", token=token)
        result["seconds"] = time.monotonic() - started
        return result

    @staticmethod
    async def _execute(socket_, code: str, timeout: float = 600) -> tuple[str, str]:
        msg_id = uuid.uuid4().hex
        header = {"msg_id": msg_id, "msg_type": "execute_request", "username": "test", "session": uuid.uuid4().hex,
                  "date": "", "version": "5.3"}
        await socket_.write_message(json.dumps({
            "header": header, "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                        "allow_stdin": False, "stop_on_error": True}}))
        text, status, idle = [], None, False
        deadline = time.monotonic() + timeout
        while status is None or not idle:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"a cell did not finish in {timeout} s: {code[:200]!r}"
            raw = await asyncio.wait_for(socket_.read_message(), remaining)
            assert raw is not None, "the kernel websocket closed"
            if isinstance(raw, bytes):
                continue  # binary frames carry widget buffers
            message = json.loads(raw)
            if message.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = message["header"]["msg_type"]
            content = message["content"]
            if kind == "stream":
                text.append(content["text"])
            elif kind == "error":
                text.append(f"{content['ename']}: {content['evalue']}")
            elif kind == "status" and content["execution_state"] == "idle":
                idle = True
            elif kind == "execute_reply":
                status = content["status"]
        return "".join(text), status


def _stop(process: subprocess.Popen) -> None:
    """Stop the hub and everything it started (its own process group: only processes this test started)."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def test_a_class_of_ten_on_a_real_jupyterhub(class_env, editions, tmp_path):
    proxy = _proxy()
    folder = tmp_path / "hub"
    (folder / "homes").mkdir(parents=True)
    repo = _course_repository(editions, tmp_path)
    port, hub_port, api_port = _free_ports(3)
    token = secrets.token_hex(32)
    config = folder / "jupyterhub_config.py"
    config.write_text(HUB_CONFIG.format(
        port=port, hub_port=hub_port, api_port=api_port, proxy=str(proxy), folder=folder, students=STUDENTS,
        singleuser=str(class_env / "bin" / "jupyterhub-singleuser"), token=token,
        args=["--allow-root"] if os.getuid() == 0 else []), encoding="utf-8")
    path_env = os.pathsep.join([str(class_env / "bin"), str(Path(shutil.which("node")).parent), "/usr/bin", "/bin"])
    log = (folder / "jupyterhub.log").open("w")
    timings: dict[str, float] = {}
    started = time.monotonic()
    process = subprocess.Popen([str(class_env / "bin" / "jupyterhub"), "-f", str(config)], cwd=folder, stdout=log,
                               stderr=subprocess.STDOUT, env=_clean_env(PATH=path_env), start_new_session=True)
    memory = None
    try:
        hub = Hub(port, token)

        async def scenario() -> list[dict]:
            deadline = time.monotonic() + 180
            while True:
                try:
                    await hub.call("GET", "/hub/api/", timeout=5)
                    break
                except (AssertionError, OSError, ConnectionError) as exc:
                    assert process.poll() is None, f"the hub stopped: {(folder / 'jupyterhub.log').read_text()[-3000:]}"
                    assert time.monotonic() < deadline, f"the hub did not answer: {exc}"
                    await asyncio.sleep(1)
            timings["hub start"] = time.monotonic() - started
            listed = {u["name"] for u in await hub.call("GET", "/hub/api/users")}
            assert set(STUDENTS) <= listed  # the accounts of allowed_users, created by the hub at start
            mark = time.monotonic()
            await asyncio.gather(*(hub.start(user) for user in STUDENTS))
            timings["ten servers start"] = time.monotonic() - mark
            mark = time.monotonic()
            pulls = await asyncio.gather(*(hub.pull(user, repo) for user in STUDENTS))
            timings["ten pulls (nbgitpuller)"] = time.monotonic() - mark
            for user, events in zip(STUDENTS, pulls, strict=True):
                assert events and events[-1].get("phase") == "finished", (user, events[-3:])
                assert (folder / "homes" / user / COURSE / NOTEBOOK).is_file(), user
            idle = memory.sample()  # ten servers started, the notebooks pulled, no kernel yet
            mark = time.monotonic()
            runs = await asyncio.gather(*(hub.run_notebook(user, f"{COURSE}/{NOTEBOOK}") for user in STUDENTS))
            timings["ten runs of notebook 03 at once"] = time.monotonic() - mark
            timings["idle_pss"], timings["idle_rss"] = idle["pss"], idle["rss"]
            return runs

        memory = Memory(process.pid)
        memory.start()
        runs = asyncio.run(scenario())
    finally:
        if memory is not None:
            memory.stop()
        _stop(process)
        log.close()

    student = json.loads((editions / "student" / NOTEBOOK).read_text(encoding="utf-8"))
    code_cells = sum(1 for c in student["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip())
    for user, run in zip(STUDENTS, runs, strict=True):
        assert run["cells"] == code_cells and not run["errors"], (user, run["cells"], run["errors"][:1])
        assert len(run["checks"]) >= 2 and all(": not answered yet." in text for text in run["checks"]), (user, run)
        assert (folder / "homes" / user / COURSE / "figures" / "simulated_unblinding_bias.png").is_file()
    assert set(memory.peak_user) == set(STUDENTS) and memory.samples > 5

    per_user = [memory.peak_user[u] for u in STUDENTS]
    results = {
        "students": len(STUDENTS), "notebook": NOTEBOOK, "cores": os.cpu_count(),
        "per_student_peak_mb": {u: {k: round(v) for k, v in memory.peak_user[u].items()} for u in STUDENTS},
        "per_student_peak_pss_mb_mean": round(sum(m["pss"] for m in per_user) / len(per_user)),
        "per_student_peak_rss_mb_mean": round(sum(m["rss"] for m in per_user) / len(per_user)),
        "hub_total_peak_pss_mb": round(memory.peak_total["pss"]),
        "hub_total_peak_rss_mb": round(memory.peak_total["rss"]),
        "hub_total_idle_pss_mb": round(timings.pop("idle_pss")),
        "hub_total_idle_rss_mb": round(timings.pop("idle_rss")),
        "seconds": {k: round(v, 1) for k, v in timings.items()},
        "notebook_seconds_max": round(max(r["seconds"] for r in runs), 1),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(f"\nA class of {len(STUDENTS)} on JupyterHub (notebook 03, all at once): per student (server + kernel) "
          f"peak PSS {results['per_student_peak_pss_mb_mean']} MB (RSS {results['per_student_peak_rss_mb_mean']} "
          f"MB); the whole hub at the peak {results['hub_total_peak_pss_mb']} MB PSS "
          f"({results['hub_total_peak_rss_mb']} MB RSS summed), idle with ten servers "
          f"{results['hub_total_idle_pss_mb']} MB PSS; timings {results['seconds']}; written to "
          f"{paths.relative(RESULTS)}")
