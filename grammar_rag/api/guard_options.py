"""``serve``'s command-line options for the request guards (:mod:`grammar_rag.api.guards`).

Kept apart from the CLI module so that the guard settings have one home: the options, their
defaults and the rule "a token is required beyond loopback" live next to the guard.
"""

from __future__ import annotations

import argparse

from grammar_rag.api.guards import DEFAULT_MAX_BODY_BYTES, TOKEN_ENV, GuardConfig


def add_guard_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--token", default=None,
                        help=f"require 'Authorization: Bearer TOKEN' on every request but /health (or ${TOKEN_ENV}); "
                             "required when --host is not a loopback address")
    parser.add_argument("--max-body-bytes", type=int, default=DEFAULT_MAX_BODY_BYTES,
                        help="largest request body accepted; larger ones get 413 without being read")
    parser.add_argument("--allow-backend", action="append", default=[], metavar="NAME",
                        help="a backend clients may choose per request (repeatable); default: the --backend "
                             "given here and the model-free one")
    parser.add_argument("--allowed-host", action="append", default=[], metavar="NAME",
                        help="a Host header name to accept besides loopback names and --host ('*' = any)")


def guard_config(args: argparse.Namespace) -> GuardConfig:
    allowed = tuple(args.allow_backend) + ((args.backend,) if args.backend and args.allow_backend else ())
    return GuardConfig.for_server(args.host, token=args.token, max_body_bytes=args.max_body_bytes,
                                  extra_hosts=tuple(args.allowed_host), allowed_backends=allowed)
