"""Helpers for running the plugin inside pytester sessions.

pytester's in-process runs drop the modules first imported during a run. The plugin imports the
server, the certificates, the generator and the simulator only when a fixture needs them, and httpx imports
httpcore only when a client is made; a second run would import fresh copies while objects of the
first live on (cryptography's key types, httpcore's errors that httpx maps), and fail on type
checks. Importing them here keeps one copy for every run.
"""

import httpcore  # noqa: F401

import hecharness.faults  # noqa: F401
import hecharness.generate  # noqa: F401
import hecharness.hec.server  # noqa: F401
import hecharness.logpush  # noqa: F401
import hecharness.preflight  # noqa: F401
import hecharness.testing.jobs  # noqa: F401
import hecharness.testing.pool  # noqa: F401
import hecharness.testing.watch  # noqa: F401
import hecharness.tls  # noqa: F401
