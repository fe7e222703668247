-- wrk script for the baseline: the same kind of POST a gate sends, to the bare JSON view.
wrk.method = "POST"
wrk.body = '{"plate":"BARE0001"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer bench_lot1_entry"
