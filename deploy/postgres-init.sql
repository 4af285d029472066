-- One database per process that keeps data (every one but reporting), created on the first
-- start of the PostgreSQL container (docker-compose.yml mounts this into
-- /docker-entrypoint-initdb.d/). No process reads another's database; each one's migrations
-- create its tables.
CREATE DATABASE haicap_org;
CREATE DATABASE haicap_personnel;
CREATE DATABASE haicap_assets;
CREATE DATABASE haicap_gateway;
