"""``make bench``: City Tools' measured figures (outside the default test run). ``bench.etl``: the ETL's."""
