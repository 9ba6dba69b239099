"""How many malformed requests each fuzz test must send; together they make the suite's promise.

Every fuzz test counts the malformed requests it sent and asserts it reached its share, and
`test_budgets_add_up` asserts the shares add up to the 10,000 the suite promises. A change
that shrinks a test's examples then fails the test instead of quietly sending fewer.
"""

SUITE_MINIMUM = 10_000

MALFORMED_BUDGET = {
    "exact": 2_500,  # test_fuzz_collector: good and bad requests over keep-alive, every answer predicted
    "gzip": 3_000,  # test_fuzz_collector: bad, truncated, corrupted, multi-member gzip and bombs
    "framing": 2_500,  # test_fuzz_framing: bytes HTTP itself cannot parse, truncations, hang-ups
    "headers": 2_000,  # test_fuzz_framing: huge, repeated and odd headers on otherwise good requests
}
