"""A fake HEC on every core: `FakeHECWorkers(workers=N)`, N processes behind one address, answering as one.

See `hecharness.workers.pool` for how the processes share the port and the state.
"""

from hecharness.workers.line import WorkerGone
from hecharness.workers.pool import FakeHECWorkers
from hecharness.workers.worker import ACK_LEDGERS, PER_WORKER_LEDGER, SHARED_LEDGER

__all__ = ["FakeHECWorkers", "WorkerGone", "ACK_LEDGERS", "SHARED_LEDGER", "PER_WORKER_LEDGER"]
