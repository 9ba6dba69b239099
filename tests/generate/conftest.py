import functools

import pytest

from hecharness.generate import DATASET_NAMES, get_dataset, records


@functools.lru_cache(maxsize=None)
def sample(dataset: str, count: int = 3000, seed: int = 7) -> tuple[dict, ...]:
    """Every field, deprecated ones included, of a few thousand records; shared within a worker."""
    return tuple(records(dataset, seed=seed, count=count, fields=get_dataset(dataset).field_names))


@pytest.fixture(params=DATASET_NAMES)
def dataset(request) -> str:
    return request.param
