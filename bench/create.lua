-- wrk script: every request logs a new ticket through the JSON API, as a street's staff member.
-- The session comes from the environment (bench/run.sh signs in first).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE")
wrk.headers["X-CSRF-Token"] = os.getenv("BENCH_CSRF")
wrk.body = '{"source":"hotline12345","category":"complaint","domain":"rural_water",' ..
           '"title":"基准测试：村里自来水浑浊","description":"压力测试写入的问题","unit":"XR"}'
