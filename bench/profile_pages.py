"""Time (and optionally profile) the benchmark's pages on a generated dataset, one page at a time.

    python bench/profile_pages.py                          # every page, bench/data/engage-1.sqlite
    python bench/profile_pages.py "case list" "user log"   # pages whose label contains these
    python bench/profile_pages.py "user log" --profile     # and a pyinstrument profile
    python bench/profile_pages.py --url postgresql+psycopg://postgres@127.0.0.1:5432/engage_bench_1

Medians of 20 fetches after 3 warm-up fetches (wall clock, and this process's CPU time, which a
busy machine disturbs less; on SQLite it includes the database's work), with the SQL query count
of one fetch. A tool for
finding where a page's time goes; the figures that count are bench/run_benchmarks.py's, which
interleave every page with the start page. `--profile` needs `pip install pyinstrument`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from generate_data import default_sqlite_path, sqlite_url  # noqa: E402
from run_benchmarks import bench_app, clients_for, counting, page_plan  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=sqlite_url(default_sqlite_path(1)))
    parser.add_argument("labels", nargs="*", help="only pages whose label contains one of these")
    parser.add_argument("--profile", action="store_true", help="print a pyinstrument profile")
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args(argv)

    from engage.extensions import db

    app = bench_app(args.url)
    plan = [("start page", None, "/"), *page_plan(app)]
    clients = clients_for(app)
    with app.app_context():
        engine = db.engine
    for label, role, path in plan:
        if args.labels and label != "start page" and not any(x in label for x in args.labels):
            continue
        client = clients[role]
        for _ in range(3):
            client.get(path)
        with counting(engine) as statements:
            status = client.get(path).status_code
        times, cpu = [], []
        for _ in range(args.rounds):
            t0, c0 = time.perf_counter(), time.process_time()
            client.get(path)
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        print(
            f"{label:40s} {statistics.median(times) * 1000:6.1f} ms "
            f"(CPU {statistics.median(cpu) * 1000:5.1f} ms)  "
            f"{len(statements):3d} queries  {status}  {path}"
        )
        if args.profile and label != "start page":
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0002)
            profiler.start()
            for _ in range(args.rounds):
                client.get(path)
            profiler.stop()
            print(profiler.output_text(unicode=False, color=False))


if __name__ == "__main__":
    main()
