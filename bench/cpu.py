"""Where the machine's CPU went during a stretch of the bench, read from /proc (Linux).

A snapshot holds the machine's busy CPU time (every core, from /proc/stat) and each process's
(utime + stime, from /proc/<pid>/stat), and optionally one thread's of this process (the SMTP
sink's event loop). The difference of two snapshots is grouped: the given worker processes and
their descendants, one thread of this process, the rest of this process, PostgreSQL's and
Redis's processes, and whatever else (including processes that exited in between).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")
PROC = Path("/proc")


def _machine_busy() -> float:
    """Busy CPU seconds of every core since boot: all of /proc/stat's first line but idle and
    iowait."""
    fields = [int(x) for x in (PROC / "stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return (user + nice + system + irq + softirq + steal) / TICK


def _processes() -> dict[int, tuple[str, int, float]]:
    """pid -> (command name, parent pid, CPU seconds) of every process still there."""
    found = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # it exited meanwhile
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        rest = stat[stat.rindex(")") + 2:].split()
        found[int(entry.name)] = (name, int(rest[1]), (int(rest[11]) + int(rest[12])) / TICK)
    return found


def _thread_seconds(thread_id: int | None) -> float:
    if thread_id is None:
        return 0.0
    try:
        return time.clock_gettime(time.pthread_getcpuclockid(thread_id))
    except OSError:  # the thread has ended
        return 0.0


@dataclass
class Snapshot:
    at: float
    machine: float
    processes: dict[int, tuple[str, int, float]]
    thread: float


def snapshot(thread_id: int | None = None) -> Snapshot:
    return Snapshot(time.perf_counter(), _machine_busy(), _processes(),
                    _thread_seconds(thread_id))


def _descendants(roots: list[int], processes: dict[int, tuple[str, int, float]]) -> set[int]:
    found = set(roots)
    grew = True
    while grew:
        grew = False
        for pid, (_, parent, _) in processes.items():
            if parent in found and pid not in found:
                found.add(pid)
                grew = True
    return found


def spent(before: Snapshot, after: Snapshot, *, units: int, workers: list[int],
          thread_name: str = "sink") -> dict:
    """CPU milliseconds per unit (an email, a task) of each group between two snapshots, the
    machine's total per unit, and how busy the machine was (a fraction of all its cores)."""
    def used(pid: int) -> float:
        now = after.processes[pid][2]
        was = before.processes.get(pid)
        return now - was[2] if was and was[0] == after.processes[pid][0] else now

    worker_pids = _descendants(workers, after.processes)
    groups = {"workers": 0.0, thread_name: after.thread - before.thread, "bench": 0.0,
              "postgresql": 0.0, "redis": 0.0}
    me = os.getpid()
    for pid, (name, _, _) in after.processes.items():
        if pid in worker_pids:
            groups["workers"] += used(pid)
        elif pid == me:
            groups["bench"] += used(pid) - groups[thread_name]
        elif name == "postgres":
            groups["postgresql"] += used(pid)
        elif name == "redis-server":
            groups["redis"] += used(pid)
    machine = after.machine - before.machine
    groups["other"] = max(0.0, machine - sum(groups.values()))
    per = max(units, 1)
    return {
        "ms_per_unit": {name: round(seconds * 1000 / per, 3) for name, seconds in groups.items()},
        "machine_ms_per_unit": round(machine * 1000 / per, 3),
        "machine_busy": round(machine / ((after.at - before.at) * (os.cpu_count() or 1)), 3),
    }
