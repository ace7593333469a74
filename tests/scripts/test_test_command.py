"""The README's test command: the whole suite on every core, then the tests timed against the
clock (marked `alone`) by themselves; tests named on the command line run as asked."""

from __future__ import annotations

import importlib.util
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def dev(monkeypatch):
    spec = importlib.util.spec_from_file_location("dev_script_test", ROOT / "scripts" / "dev.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "install", lambda extras: None)
    return module


def commands_of(dev, monkeypatch, args, fail=None):
    commands = []

    def run(*command, env=None):
        commands.append([str(part) for part in command[3:]])  # after python -m pytest
        if fail is not None and fail(commands[-1]):
            raise subprocess.CalledProcessError(fail(commands[-1]), command)

    monkeypatch.setattr(dev, "run", run)
    dev.test(args)
    return commands


def test_the_suite_runs_in_two_phases_with_the_options_given(dev, monkeypatch):
    assert commands_of(dev, monkeypatch, []) == [
        ["-n", "auto", "-m", "not alone"],
        ["-n", "0", "-m", "alone"],
    ]
    assert commands_of(dev, monkeypatch, ["-x"]) == [
        ["-n", "auto", "-m", "not alone", "-x"],
        ["-n", "0", "-m", "alone", "-x"],
    ]


def test_tests_named_run_as_asked(dev, monkeypatch):
    assert commands_of(dev, monkeypatch, ["tests/pages", "-n", "0"]) == [
        ["-n", "auto", "tests/pages", "-n", "0"]
    ]


def test_a_failure_in_either_phase_fails_the_command_and_both_run(dev, monkeypatch):
    with pytest.raises(subprocess.CalledProcessError) as failed:
        commands_of(dev, monkeypatch, [], fail=lambda c: 1 if "not alone" in c else None)
    assert failed.value.returncode == 1
    # No test marked alone (pytest's 5) is not a failure.
    commands = commands_of(dev, monkeypatch, [], fail=lambda c: 5 if c[-1] == "alone" else None)
    assert len(commands) == 2
