"""Session fixtures: the real servers, an isolated namespace on them, and a running stack."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Generator, Iterator
from dataclasses import dataclass

import aiohttp
import pytest

from shared.s3 import ObjectStore
from shared.settings import Settings
from shared.store import Database, open_client
from shared.store.shape_check import uncovered
from tests.api import Api, Tenant, new_tenant
from tests.children import end_leftovers, interrupt_on_termination, note_session_start
from tests.failure_logs import logged_errors
from tests.processes import (
    LOGS,
    Process,
    delete_topology,
    free_port,
    remove_namespace,
    run_apart,
    start_gateway,
    start_worker,
    stopped_at_end,
)
from tests.servers import start_servers

RUN = uuid.uuid4().hex[:8]
# 8 link shards lay out a fresh database in about 1 s on FerretDB, the default 64 in about
# 7 s (1,002 collections); the suite makes a dozen (tests/store/test_layout.py checks 64).
TEST_LINK_SHARDS = 8
COMMAND_LOG = LOGS / f"{RUN}-store-commands.jsonl"  # the query shapes of this run's processes
LEFT_RUNNING: list[str] = []  # what the tests left running, named in the summary


def pytest_sessionstart(session: pytest.Session) -> None:
    """Notes what runs before any test, and lets SIGTERM/SIGHUP tear the session down as
    Ctrl-C does (by default they would end pytest with its children still running)."""
    note_session_start()
    interrupt_on_termination()


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    """Fails the run when a process its tests started still runs once every fixture is torn
    down, however the run ended (last hook: after the teardown of an interrupted run). Each
    is named in the summary, then ended."""
    LEFT_RUNNING.extend(end_leftovers())
    if LEFT_RUNNING and session.exitstatus in (pytest.ExitCode.OK,
                                               pytest.ExitCode.NO_TESTS_COLLECTED):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if LEFT_RUNNING:
        terminalreporter.section("processes the tests left running (now ended)", red=True)
        for line in LEFT_RUNNING:
            terminalreporter.write_line(line, red=True)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]
                              ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failed test's report shows what the gateways and workers logged as errors meanwhile
    (a 500 in a CI run is otherwise only its body)."""
    report = yield
    if report.failed and call.when == "call":
        errors = logged_errors(call.start)
        if errors:
            report.sections.append(("errors the processes logged", "\n".join(errors)))
    return report


@pytest.fixture(scope="session", autouse=True)
def queries_served_by_the_layout() -> Iterator[None]:
    """Fails the session when the service sent a query that is neither an `_id` lookup nor
    served by an index of shared/store/layout.py, or went to a collection outside it
    (issue 32; every process of the run records its query shapes in COMMAND_LOG)."""
    yield
    if not COMMAND_LOG.exists():
        return
    problems = uncovered(COMMAND_LOG.read_bytes().splitlines(), Settings().link_shards)
    assert not problems, (f"queries no declared index serves ({COMMAND_LOG.name}):\n"
                          + "\n".join(problems))


@pytest.fixture(scope="session")
def settings() -> Iterator[Settings]:
    """Settings for this test run: its own database, queues and bucket on the real servers,
    and the file where every process records its query shapes. Torn down last, once every
    process is stopped, it deletes the run's queues and exchanges and drops its databases."""
    _, servers = start_servers()
    port = free_port()
    LOGS.mkdir(parents=True, exist_ok=True)
    run = Settings(
        **servers,
        mongo_db=f"test_{RUN}", queue_prefix=f"test-{RUN}", s3_bucket=f"test-{RUN}",
        http_port=port, public_url=f"http://127.0.0.1:{port}", worker_metrics_port=0,
        render_processes=1, drain_timeout_s=10, store_command_log=str(COMMAND_LOG),
        link_shards=TEST_LINK_SHARDS,
    )
    yield run
    run_apart(remove_namespace(run, databases=True))


@dataclass
class Stack:
    settings: Settings
    gateway: Process
    workers: list[Process]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.settings.http_port}"


@pytest.fixture(scope="session")
def stack(settings: Settings) -> Iterator[Stack]:
    """One gateway and two workers, shared by the tests that do not restart processes."""
    with stopped_at_end() as processes:  # those started, if a later one fails to start
        processes.append(start_gateway(settings, f"{RUN}-gateway"))
        for i in range(2):
            processes.append(start_worker(settings, f"{RUN}-worker-{i}"))
        yield Stack(settings, processes[0], processes[1:])


@pytest.fixture(scope="session")
async def db(settings: Settings) -> AsyncIterator[Database]:
    client = open_client(settings)
    yield client[settings.mongo_db]  # dropped with the run's namespace (`settings`)
    await client.close()


@pytest.fixture(scope="session")
async def store(settings: Settings) -> AsyncIterator[ObjectStore]:
    async with ObjectStore(settings) as objects:
        await objects.ensure_bucket()
        yield objects
        await objects.delete_prefix("")


@pytest.fixture(scope="session")
async def broker_cleanup(settings: Settings) -> AsyncIterator[None]:
    """Deletes the run's queues and exchanges early (the `settings` fixture does, last)."""
    yield
    await delete_topology(settings)


@pytest.fixture(scope="session")
async def http(stack: Stack) -> AsyncIterator[aiohttp.ClientSession]:
    """A client of the session's gateway (whose queues go with the run's namespace: deleted
    while its workers still ran, they were declared again and left behind)."""
    async with aiohttp.ClientSession(stack.url) as session:
        yield session


@pytest.fixture
async def tenant(db: Database) -> Tenant:
    return await new_tenant(db)


@pytest.fixture
def api(http: aiohttp.ClientSession, tenant: Tenant) -> Api:
    return Api(http, tenant)
