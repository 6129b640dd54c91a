"""Deployment files, checked without a Docker engine (none on the development machine).

The Dockerfile is parsed line by line; its COPY list is staged into a temporary directory, where
its ENTRYPOINT and HEALTHCHECK commands run for real. The Hugging Face front matter, the nginx
example and .streamlit/config.toml are parsed and checked against the Dockerfile and each other.
"""

from __future__ import annotations

import ast
import gzip
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
HF_README = ROOT / "deploy" / "huggingface" / "README.md"
NGINX_CONF = ROOT / "deploy" / "nginx-sticky.conf"
STREAMLIT_CONFIG = ROOT / ".streamlit" / "config.toml"
DEPLOY_DOC = ROOT / "docs" / "deploy.md"
HF_COLOURS = {"red", "yellow", "green", "blue", "indigo", "purple", "pink", "gray"}


# ---------------------------------------------------------------- Dockerfile parsing


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """[(INSTRUCTION, arguments)] with comments dropped and backslash continuations joined."""
    out: list[tuple[str, str]] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):  # comment inside a continued instruction
            continue
        if line.endswith("\\"):
            pending += line[:-1].strip() + " "
            continue
        full = (pending + line).strip()
        pending = ""
        if full:
            word, _, rest = full.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


@pytest.fixture(scope="module")
def instructions() -> list[tuple[str, str]]:
    return dockerfile_instructions(DOCKERFILE.read_text(encoding="utf-8"))


def args_of(instructions, name: str) -> list[str]:
    return [rest for word, rest in instructions if word == name]


def index_of(instructions, name: str) -> int:
    return next(i for i, (word, _) in enumerate(instructions) if word == name)


def env_of(instructions) -> dict[str, str]:
    """ENV key=value pairs, later ones winning (key=value form only)."""
    env: dict[str, str] = {}
    for rest in args_of(instructions, "ENV"):
        for token in shlex.split(rest):
            key, sep, value = token.partition("=")
            assert sep, f"ENV uses the legacy 'ENV key value' form: {rest!r}"
            env[key] = value
    return env


def copy_sources(instructions) -> list[tuple[str, str]]:
    """[(source, destination)] for every COPY, flags such as --chown dropped."""
    pairs = []
    for rest in args_of(instructions, "COPY"):
        words = [w for w in shlex.split(rest) if not w.startswith("--")]
        *sources, dest = words
        pairs.extend((s, dest) for s in sources)
    return pairs


def entrypoint(instructions) -> list[str]:
    (rest,) = args_of(instructions, "ENTRYPOINT")
    return json.loads(rest)


def healthcheck_command(instructions) -> str:
    """The shell command after CMD in the HEALTHCHECK instruction."""
    (rest,) = args_of(instructions, "HEALTHCHECK")
    _, sep, cmd = rest.partition("CMD ")
    assert sep, "HEALTHCHECK must use 'CMD <command>'"
    return cmd.strip()


def test_dockerfile_parser_on_a_known_text():
    text = 'FROM x\n# c\nENV A=1 \\\n    B="two words"\nRUN a \\\n  # inner comment\n  && b\nCOPY --chown=u a b ./\n'
    ins = dockerfile_instructions(text)
    assert [w for w, _ in ins] == ["FROM", "ENV", "RUN", "COPY"]
    assert env_of(ins) == {"A": "1", "B": "two words"}
    assert ins[2] == ("RUN", "a && b")
    assert copy_sources(ins) == [("a", "./"), ("b", "./")]


# ---------------------------------------------------------------- Dockerfile checks


def test_base_image_is_slim_python_311_or_newer(instructions):
    (image,) = args_of(instructions, "FROM")
    m = re.fullmatch(r"python:3\.(\d+)-slim", image)
    assert m, image
    assert int(m.group(1)) >= 11


def test_runs_as_non_root_user_before_the_entrypoint(instructions):
    start = index_of(instructions, "ENTRYPOINT")
    users = [rest for word, rest in instructions[:start] if word == "USER"]
    assert users, "no USER before ENTRYPOINT"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}
    assert not [w for w, _ in instructions[start:] if w == "USER"], "USER changes after ENTRYPOINT"
    assert "CMD" not in [w for w, _ in instructions], "a CMD would append to the ENTRYPOINT"
    # Hugging Face Spaces run containers as uid 1000: the user must be created with that uid.
    creates = [r for r in args_of(instructions, "RUN") if re.search(rf"useradd\b.*--uid 1000\b.*\b{user}\b", r)]
    assert creates, f"user {user!r} is not created with uid 1000"


def test_requirements_installed_before_the_code(instructions):
    runs = [(i, rest) for i, (w, rest) in enumerate(instructions) if w == "RUN" and "pip install" in rest]
    assert len(runs) == 1
    i_pip, pip = runs[0]
    assert "--no-cache-dir" in pip and "-r requirements.txt" in pip
    copies = [(i, rest) for i, (w, rest) in enumerate(instructions) if w == "COPY"]
    i_req = next(i for i, rest in copies if rest.split()[0] == "requirements.txt")
    assert i_req < i_pip < min(i for i, rest in copies if rest.split()[0] != "requirements.txt")


def test_every_copy_source_exists(instructions):
    sources = [s for s, _ in copy_sources(instructions)]
    assert sources
    for src in sources:
        assert (ROOT / src).exists(), f"COPY source missing from the repo: {src}"


def first_party_names() -> set[str]:
    """Top-level names in the repo an import could resolve to (packages and modules)."""
    names = {p.name for p in ROOT.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    names |= {p.stem for p in ROOT.glob("*.py")}
    return names


def imported_top_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_image_holds_every_first_party_module_the_app_imports(instructions):
    copied = {s.rstrip("/").split("/")[0] for s, _ in copy_sources(instructions)}
    files = [ROOT / "app.py"]
    for src in copied:
        if (ROOT / src).is_dir():
            files += sorted((ROOT / src).rglob("*.py"))
    needed = set().union(*(imported_top_names(f) for f in files)) & first_party_names()
    assert needed, "found no first-party imports at all: the scan is broken"
    assert needed <= copied, f"imported but not copied into the image: {needed - copied}"
    # Pages named by path in app.py (st.Page("pages/x.py")) must sit in a copied folder.
    for page in re.findall(r"[\"']([\w/]+\.py)[\"']", (ROOT / "app.py").read_text(encoding="utf-8")):
        assert page.split("/")[0] in copied, page


def test_port_exposed_matches_the_port_streamlit_listens_on(instructions):
    (exposed,) = args_of(instructions, "EXPOSE")
    env = env_of(instructions)
    assert env.get("STREAMLIT_SERVER_PORT") == exposed.split("/")[0] == "8501"
    cmd = entrypoint(instructions)
    assert cmd[:3] == ["streamlit", "run", "app.py"]
    assert "--server.address=0.0.0.0" in cmd
    # A --server.port flag would override STREAMLIT_SERVER_PORT and make the port fixed.
    assert not [a for a in cmd if a.startswith("--server.port")]


def test_healthcheck_requests_stcore_health_on_the_configured_port(instructions):
    cmd = healthcheck_command(instructions)
    assert "/_stcore/health" in cmd
    assert "STREAMLIT_SERVER_PORT" in cmd
    if cmd.startswith("curl"):  # curl is not in python:*-slim unless installed
        assert any("apt-get install" in r and "curl" in r for r in args_of(instructions, "RUN"))


# ---------------------------------------------------------------- .dockerignore


def dockerignore_patterns(text: str) -> list[tuple[bool, re.Pattern[str], int]]:
    """[(is_exception, regex, number of path parts)] in file order, as Docker's matcher reads them."""
    out = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pat = line[1:].strip() if negate else line
        pat = pat.strip("/")
        rx = ""
        i = 0
        while i < len(pat):
            if pat.startswith("**/", i):
                rx, i = rx + "(?:.*/)?", i + 3
            elif pat.startswith("**", i):
                rx, i = rx + ".*", i + 2
            elif pat[i] == "*":
                rx, i = rx + "[^/]*", i + 1
            elif pat[i] == "?":
                rx, i = rx + "[^/]", i + 1
            else:
                rx, i = rx + re.escape(pat[i]), i + 1
        out.append((negate, re.compile(rx), len(pat.split("/"))))
    return out


def excluded(path: str, patterns) -> bool:
    """Docker's rule: the last pattern matching the path, or its leading directories, decides."""
    parts = path.split("/")
    result = False
    for negate, rx, n in patterns:
        hit = rx.fullmatch(path) is not None
        if not hit and len(parts) > 1 and n <= len(parts) - 1:
            hit = rx.fullmatch("/".join(parts[:n])) is not None
        if hit:
            result = not negate
    return result


def test_dockerignore_matcher_on_known_cases():
    pats = dockerignore_patterns("*\n!keep\n**/__pycache__\n**/*.pyc\n")
    assert excluded("tests/test_x.py", pats)
    assert not excluded("keep/a/b.py", pats)
    assert excluded("keep/__pycache__/b.cpython-311.pyc", pats)
    assert excluded("keep/a/c.pyc", pats)


@pytest.fixture(scope="module")
def ignore():
    return dockerignore_patterns(DOCKERIGNORE.read_text(encoding="utf-8"))


def test_dockerignore_sends_every_copied_file(instructions, ignore):
    checked = 0
    for src, _ in copy_sources(instructions):
        path = ROOT / src
        files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
        for f in files:
            rel = f.relative_to(ROOT).as_posix()
            if "__pycache__" in rel or rel.endswith(".pyc"):
                continue
            assert not excluded(rel, ignore), f"{rel} is copied by the Dockerfile but .dockerignore drops it"
            checked += 1
    assert checked > 10
    for data in ("digits.npz", "DIGITS_LICENSE.txt", "mnist.npz", "MNIST_LICENSE.txt"):
        assert not excluded(f"backprop_core/data/{data}", ignore), data


def test_dockerignore_keeps_tests_git_and_caches_out(ignore):
    for rel in ["tests/test_deploy_files.py", ".git/HEAD", "bench/x.py", ".hypothesis/x",
                "backprop_core/__pycache__/network.cpython-311.pyc", ".streamlit/secrets.toml"]:
        assert excluded(rel, ignore), rel


# ---------------------------------------------------------------- Hugging Face front matter


def front_matter(text: str) -> dict[str, object]:
    """key: value lines between the leading '---' markers; true/false/ints converted."""
    lines = text.splitlines()
    assert lines[0].strip() == "---", "front matter must open the file"
    end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    meta: dict[str, object] = {}
    for line in lines[1:end]:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition(":")
        assert sep, f"not a key: value line: {line!r}"
        value = value.strip().strip("\"'")
        meta[key.strip()] = {"true": True, "false": False}.get(value, int(value) if value.isdigit() else value)
    return meta


def test_front_matter_parser_on_a_known_text():
    assert front_matter("---\na: 1\nb: 'x y'\nc: false\n---\nbody: 2\n") == {"a": 1, "b": "x y", "c": False}


def test_hf_front_matter_declares_docker_on_the_dockerfile_port(instructions):
    meta = front_matter(HF_README.read_text(encoding="utf-8"))
    assert meta["sdk"] == "docker"
    assert meta["app_port"] == int(env_of(instructions)["STREAMLIT_SERVER_PORT"])
    assert meta["pinned"] is False
    assert meta["title"] and meta["emoji"]
    assert {meta["colorFrom"], meta["colorTo"]} <= HF_COLOURS


# ---------------------------------------------------------------- nginx example


def nginx_block(text: str, header: str) -> str:
    """Body of the first '{ ... }' block whose header matches the regex (brace-balanced)."""
    m = re.search(header + r"\s*\{", text)
    assert m, header
    depth, i = 1, m.end()
    while depth:
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        i += 1
    return text[m.end():i - 1]


@pytest.fixture(scope="module")
def nginx_text() -> str:
    # Comments dropped so commented-out directives cannot satisfy a check.
    return "\n".join(line.split("#")[0] for line in NGINX_CONF.read_text(encoding="utf-8").splitlines())


def test_nginx_upstream_has_session_affinity(nginx_text):
    upstream = nginx_block(nginx_text, r"upstream\s+backprop_lab")
    assert re.search(r"^\s*(ip_hash|hash\s+\S+(\s+consistent)?|sticky\s+\S+)\s*;", upstream, re.M)
    assert len(re.findall(r"^\s*server\s+\S+", upstream, re.M)) >= 2


def test_nginx_cookie_affinity_key_comes_from_a_cookie(nginx_text):
    m = re.search(r"^\s*hash\s+\$(\w+)", nginx_block(nginx_text, r"upstream\s+backprop_lab"), re.M)
    if m is None:
        pytest.skip("affinity is not hash-based")
    key = m.group(1)
    assert key.startswith("cookie_") or re.search(rf"map\s+\$cookie_\w+\s+\${key}\s*\{{", nginx_text)


def test_nginx_upgrades_the_streamlit_websocket(nginx_text):
    stream = nginx_block(nginx_text, r"location\s+/_stcore/stream")
    assert re.search(r"proxy_http_version\s+1\.1\s*;", stream)
    assert re.search(r"proxy_set_header\s+Upgrade\s+\$http_upgrade\s*;", stream)
    assert re.search(r"proxy_set_header\s+Connection\s+(\"?upgrade\"?|\$\w+)\s*;", stream, re.I)
    assert re.search(r"proxy_pass\s+http://backprop_lab\s*;", stream)


def test_nginx_passes_host_and_allows_the_upload_size(nginx_text):
    for loc in (r"location\s+/", r"location\s+/_stcore/stream"):
        assert re.search(r"proxy_set_header\s+Host\s+\$host\s*;", nginx_block(nginx_text, loc)), loc
    m = re.search(r"client_max_body_size\s+(\d+)m\s*;", nginx_text)
    assert m and int(m.group(1)) >= tomllib.loads(STREAMLIT_CONFIG.read_text())["server"]["maxUploadSize"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def nginx_wrapper(tmp: Path, site: str) -> Path:
    """A minimal nginx.conf that includes `site` and writes nothing outside `tmp`."""
    conf = tmp / "nginx.conf"
    temps = " ".join(f"{k}_temp_path {tmp / k};" for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    conf.write_text(
        f"pid {tmp / 'nginx.pid'};\nerror_log {tmp / 'error.log'};\nevents {{}}\n"
        f"http {{\n log_format up '$upstream_addr';\n access_log {tmp / 'access.log'} up;\n {temps}\n"
        f" include {site};\n}}\n"
    )
    return conf


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx not installed")
def test_nginx_example_passes_nginx_syntax_check(tmp_path):
    conf = nginx_wrapper(tmp_path, str(NGINX_CONF))
    r = subprocess.run(["nginx", "-t", "-e", str(tmp_path / "error.log"), "-c", str(conf), "-p", str(tmp_path)],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr


# ---------------------------------------------------------------- Streamlit config


def test_streamlit_config_is_classroom_safe():
    cfg = tomllib.loads(STREAMLIT_CONFIG.read_text(encoding="utf-8"))
    assert cfg["browser"]["gatherUsageStats"] is False
    assert cfg["client"]["showErrorDetails"] == "none"
    assert 0 < cfg["server"]["maxUploadSize"] <= 5
    assert cfg["server"].get("enableXsrfProtection", True) is True
    assert cfg["server"].get("enableCORS", True) is True
    assert "cookieSecret" not in cfg["server"], "the cookie secret belongs in the environment, not in git"


def test_deploy_doc_names_only_files_that_exist():
    prefixes = ("deploy/", "docs/", ".streamlit/", "tests/", "backprop_core/", "Dockerfile", ".dockerignore",
                "requirements.txt", "app.py", "pyproject.toml")
    named = [n for n in re.findall(r"`([\w./-]+)`", DEPLOY_DOC.read_text(encoding="utf-8")) if n.startswith(prefixes)]
    assert len(named) > 5
    for name in named:
        assert (ROOT / name.rstrip("/")).exists(), name


# ---------------------------------------------------------------- the image's commands, run for real


def stage_image(instructions, dest: Path) -> Path:
    """Copy what the Dockerfile's COPY lines copy (minus ignored files) into dest/<WORKDIR>."""
    (workdir,) = args_of(instructions, "WORKDIR")
    app = dest / workdir.lstrip("/")
    app.mkdir(parents=True)
    ignore = dockerignore_patterns(DOCKERIGNORE.read_text(encoding="utf-8"))
    for src, target in copy_sources(instructions):
        path = ROOT / src
        files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
        for f in files:
            rel = f.relative_to(ROOT).as_posix()
            if excluded(rel, ignore):
                continue
            out = app / target / (f.name if path.is_file() else f.relative_to(path))
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(f, out)
    return app


def run_health(cmd: str, env: dict[str, str]) -> int:
    return subprocess.run(["/bin/sh", "-c", cmd], env=env, capture_output=True, timeout=30).returncode


def wait_healthy(port: int, proc: subprocess.Popen, limit_s: float = 60.0) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stdout.read().decode(errors="replace") if proc.stdout else "exited"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.3)
    raise AssertionError(f"no /_stcore/health on port {port} within {limit_s} s")


def start_image_process(instructions, app_dir: Path, port: int, extra_env: dict[str, str] | None = None):
    """The ENTRYPOINT, run in the staged WORKDIR with the Dockerfile's ENV and STREAMLIT_SERVER_PORT=port."""
    env = {**os.environ, **env_of(instructions), "STREAMLIT_SERVER_PORT": str(port), **(extra_env or {})}
    env.pop("PYTHONPATH", None)
    cmd = entrypoint(instructions)
    cmd = [sys.executable, "-m", "streamlit", *cmd[1:]] if cmd[0] == "streamlit" else cmd
    # Tests bind to loopback only; the address flag itself is checked statically above.
    cmd = [a if not a.startswith("--server.address") else "--server.address=127.0.0.1" for a in cmd]
    return subprocess.Popen(cmd, cwd=app_dir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=15)


@pytest.mark.slow
def test_entrypoint_serves_from_the_staged_image_and_healthcheck_tracks_it(instructions, tmp_path):
    app_dir = stage_image(instructions, tmp_path / "image")
    assert (app_dir / ".streamlit" / "config.toml").is_file()
    assert not (app_dir / "tests").exists()
    port = free_port()
    env = {**os.environ, **env_of(instructions), "STREAMLIT_SERVER_PORT": str(port)}
    health = healthcheck_command(instructions)
    proc = start_image_process(instructions, app_dir, port)
    try:
        wait_healthy(port, proc)
        assert run_health(health, env) == 0
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
            assert r.status == 200 and b"<html" in r.read().lower()
    finally:
        stop(proc)
    assert run_health(health, env) != 0, "HEALTHCHECK still passes with the server stopped"


def route_cookies(response) -> list[str]:
    """The bpl_route=... pairs among a response's Set-Cookie headers."""
    values = response.headers.get_all("Set-Cookie") or []
    return [v.split(";")[0] for v in values if v.startswith("bpl_route=")]


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx not installed")
def test_nginx_example_keeps_each_browser_on_one_replica(instructions, tmp_path):
    app_dir = stage_image(instructions, tmp_path / "image")
    ports = [free_port() for _ in range(3)]
    listen = free_port()
    site = NGINX_CONF.read_text(encoding="utf-8").replace("listen 80;", f"listen 127.0.0.1:{listen};")
    for default, port in zip((8501, 8502, 8503), ports):
        site = site.replace(f"127.0.0.1:{default} ", f"127.0.0.1:{port} ")
    (tmp_path / "site.conf").write_text(site)
    conf = nginx_wrapper(tmp_path, str(tmp_path / "site.conf"))
    procs = [start_image_process(instructions, app_dir, p) for p in ports]
    nginx = None
    try:
        for p, proc in zip(ports, procs):
            wait_healthy(p, proc)
        nginx = subprocess.Popen(["nginx", "-g", "daemon off;", "-e", str(tmp_path / "error.log"), "-c", str(conf),
                                  "-p", str(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wait_healthy(listen, nginx)
        log = tmp_path / "access.log"
        seen_replicas = set()
        for _browser in range(12):
            start = len(log.read_text().splitlines()) if log.exists() else 0
            with urllib.request.urlopen(f"http://127.0.0.1:{listen}/", timeout=5) as first:
                (cookie,) = route_cookies(first)
            for path in ("/_stcore/health", "/_stcore/host-config", "/"):
                req = urllib.request.Request(f"http://127.0.0.1:{listen}{path}", headers={"Cookie": cookie})
                with urllib.request.urlopen(req, timeout=5) as r:
                    assert route_cookies(r) == [], "affinity cookie re-issued to a browser that has one"
            time.sleep(0.05)
            upstreams = log.read_text().splitlines()[start:]
            assert len(upstreams) == 4 and len(set(upstreams)) == 1, upstreams
            seen_replicas |= set(upstreams)
        assert len(seen_replicas) >= 2, "all browsers went to one replica: no load balancing"
        # Streamlit sends scripts uncompressed (plotly.js is 4.8 MB); the example proxy compresses them.
        with urllib.request.urlopen(f"http://127.0.0.1:{listen}/", timeout=5) as r:
            script = re.search(r'src="\.?/?(static/js/[^"]+\.js)"', r.read().decode()).group(1)
        req = urllib.request.Request(f"http://127.0.0.1:{listen}/{script}", headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(req, timeout=5) as r:
            assert r.headers.get("Content-Encoding") == "gzip", dict(r.headers)
            assert gzip.decompress(r.read())
    finally:
        if nginx is not None:
            stop(nginx)
        for proc in procs:
            stop(proc)
