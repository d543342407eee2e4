-- Runs once, on the first start of an empty data directory (docker-entrypoint-initdb.d).
-- The service's user and database are made by MYSQL_USER / MYSQL_DATABASE; Flyway creates the tables.
-- Canal reads the binlog as a replica: REPLICATION SLAVE + CLIENT, SELECT for metadata.
-- mysql_native_password: Canal 1.1.7's driver does not speak caching_sha2_password.
CREATE USER IF NOT EXISTS 'canal'@'%' IDENTIFIED WITH mysql_native_password BY 'canal';
GRANT SELECT, REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO 'canal'@'%';
FLUSH PRIVILEGES;
