-- Second database for the Grondwerk store beside Airflow's metadata database.
-- The password is set by the operator after the first start (ALTER ROLE grondwerk PASSWORD ...).
CREATE ROLE grondwerk LOGIN;
CREATE DATABASE grondwerk OWNER grondwerk;
