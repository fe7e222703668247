"""Locust user for the constant-rate run: each user is a gate pair sending one call a second.

Many users at a low fixed rate each make an open-loop load: a slow answer
delays only its own user's next call, not the offered rate of the others.
"""

import itertools
import os

from locust import FastHttpUser, constant_throughput, task

LOTS = int(os.environ.get("BENCH_LOTS", "32"))
RUN = os.environ.get("BENCH_RUN", "0")
_user_ids = itertools.count()


class GatePair(FastHttpUser):
    wait_time = constant_throughput(float(os.environ.get("BENCH_USER_RATE", "1")))

    def on_start(self):
        self.user_id = next(_user_ids)
        lot = self.user_id % LOTS + 1
        self.entry = {"Authorization": f"Bearer bench_lot{lot}_entry"}
        self.exit = {"Authorization": f"Bearer bench_lot{lot}_exit"}
        self.plates = (f"R{RUN}{self.user_id:03d}{n:05d}" for n in itertools.count())
        self.inside = None

    @task
    def gate_call(self):
        if self.inside is None:
            self.inside = next(self.plates)
            self.client.post(
                "/api/gates/entry", json={"plate": self.inside}, headers=self.entry, name="entry"
            )
        else:
            self.client.post(
                "/api/gates/exit", json={"plate": self.inside}, headers=self.exit, name="exit"
            )
            self.inside = None
