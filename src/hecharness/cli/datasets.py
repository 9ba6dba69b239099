"""`--field-list FILE`, shared by the commands that take a dataset: datasets beyond the built-in ones, without code."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from hecharness.generate import FieldListError, add_field_list

__all__ = ["DATASET_HELP", "field_list_option"]

DATASET_HELP = "A dataset name: 'hecharness fields' lists them all (range_events is spectrum_events)."


def _add(ctx: click.Context, param: click.Parameter, paths: tuple[str, ...]) -> None:
    for path in paths:
        try:
            add_field_list(path)
        except FieldListError as error:
            raise click.BadParameter(str(error), ctx=ctx, param=param) from None


def field_list_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """Adds the datasets of each given field list file before the command looks its dataset up."""
    return click.option(
        "--field-list", type=click.Path(dir_okay=False), multiple=True, metavar="FILE", is_eager=True,
        expose_value=False, callback=_add,
        help="A field list file (JSON, in the shape of Cloudflare's reference lists): its datasets can then be named. Repeatable.",
    )(command)
