-- One database per service, created on the first start of the PostgreSQL container.
CREATE DATABASE haicap_org;
CREATE DATABASE haicap_personnel;
CREATE DATABASE haicap_assets;
CREATE DATABASE haicap_reporting;
