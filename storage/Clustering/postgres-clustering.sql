-- CommandGrid: PostgreSQL schema for Orleans' ADO.NET clustering provider
-- (Microsoft.Orleans.Clustering.AdoNet 10.4.2, invariant "Npgsql").
--
-- Written for CommandGrid; Orleans' own scripts are not shipped in its packages and are not used.
-- Run by ClusteringSchema.ApplyAsync at every start, by any number of processes at once: that
-- method wraps this whole script in one transaction holding pg_advisory_xact_lock, and every
-- statement below is idempotent, so a re-run changes nothing and a changed query text or function
-- body is migrated in place.
--
-- What the provider fixes (its contract) and what is ours:
--   * The table OrleansQuery(QueryKey, QueryText): the provider runs exactly
--     "SELECT QueryKey, QueryText FROM OrleansQuery" (unquoted, so lower-case orleansquery in the
--     connection's search_path) and then refuses to start unless all nine clustering keys below
--     are present. OrleansQuery is shared with Orleans' other ADO.NET providers, so this script
--     only creates it if missing and only touches its own keys.
--   * The query keys, the parameter names it binds (@DeploymentId = ClusterId, @Address, @Port,
--     @Generation, @SiloName, @HostName, @Status, @ProxyPort, @SuspectTimes, @StartTime,
--     @IAmAliveTime, @Version) and the result column names it reads by name (Npgsql falls back to
--     a case-insensitive match, but the queries alias them to the exact spelling anyway).
--   * Everything else (the membership tables, the functions, their names and column names) is ours.
--
-- Parameter types as the provider binds them through Npgsql: strings as text, ints as integer,
-- DateTime (UTC) as DbType.DateTime, which Npgsql sends as timestamptz. Address is the silo's
-- IP address as text and is read back as a string, so it must stay a text column (not inet).
--
-- All objects are created unqualified, i.e. in the connection's current schema; the provider's
-- connection must therefore have the same search_path as the one that applied this script.

CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey  varchar(64) NOT NULL,
    QueryText text        NOT NULL,
    CONSTRAINT orleansquery_pkey PRIMARY KEY (QueryKey)
);

-- One row per cluster (Orleans' "deployment id" = ClusterOptions.ClusterId). Its version is the
-- membership table's single etag: every membership write must name the version it read, and
-- succeeds only if nobody bumped it in between (Orleans' whole-table optimistic concurrency).
CREATE TABLE IF NOT EXISTS cg_membership_version
(
    deployment_id text        NOT NULL,
    version       integer     NOT NULL DEFAULT 0,
    changed_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT cg_membership_version_pkey PRIMARY KEY (deployment_id)
);

-- One row per silo incarnation (address, port, generation).
-- Status values are Orleans' SiloStatus: 1 Created, 2 Joining, 3 Active, 4 ShuttingDown,
-- 5 Stopping, 6 Dead. proxy_port is the gateway port, 0 for a silo without gateway; the provider
-- reads it with GetInt32, so it must never be NULL. suspect_times is Orleans' own
-- "silo,time|silo,time" string and is stored opaquely.
CREATE TABLE IF NOT EXISTS cg_membership
(
    deployment_id   text        NOT NULL,
    address         text        NOT NULL,
    port            integer     NOT NULL,
    generation      integer     NOT NULL,
    silo_name       text        NOT NULL,
    host_name       text        NOT NULL,
    status          integer     NOT NULL,
    proxy_port      integer     NOT NULL DEFAULT 0,
    suspect_times   text        NULL,
    start_time      timestamptz NOT NULL,
    i_am_alive_time timestamptz NOT NULL,
    CONSTRAINT cg_membership_pkey PRIMARY KEY (deployment_id, address, port, generation),
    -- Deleting a cluster's version row takes its silo rows with it (DeleteMembershipTableEntriesKey).
    CONSTRAINT cg_membership_version_fkey FOREIGN KEY (deployment_id)
        REFERENCES cg_membership_version (deployment_id) ON DELETE CASCADE
);

-- InsertRow: add a silo row if the table version is still p_expected_version and the row is new;
-- then bump the version. Returns false (and changes nothing) otherwise.
-- Locking the version row first (FOR UPDATE re-checks "version = expected" against the newest
-- committed row after waiting for a concurrent writer) serialises writers per cluster, so the
-- function needs neither a subtransaction nor an exception handler to undo a half-done write:
-- it only writes once both checks have passed.
CREATE OR REPLACE FUNCTION cg_membership_insert(
    p_deployment_id    text,
    p_address          text,
    p_port             integer,
    p_generation       integer,
    p_silo_name        text,
    p_host_name        text,
    p_status           integer,
    p_proxy_port       integer,
    p_start_time       timestamptz,
    p_i_am_alive_time  timestamptz,
    p_expected_version integer)
RETURNS boolean
LANGUAGE plpgsql
AS $fn$
DECLARE
    affected integer;
BEGIN
    PERFORM 1
      FROM cg_membership_version
     WHERE deployment_id = p_deployment_id
       AND version = p_expected_version
       FOR UPDATE;
    IF NOT FOUND THEN
        RETURN false; -- stale table version (or unknown cluster)
    END IF;

    INSERT INTO cg_membership (deployment_id, address, port, generation, silo_name, host_name,
                               status, proxy_port, suspect_times, start_time, i_am_alive_time)
    VALUES (p_deployment_id, p_address, p_port, p_generation, p_silo_name, p_host_name,
            p_status, coalesce(p_proxy_port, 0), NULL, p_start_time, p_i_am_alive_time)
    ON CONFLICT (deployment_id, address, port, generation) DO NOTHING;
    GET DIAGNOSTICS affected = ROW_COUNT;
    IF affected = 0 THEN
        RETURN false; -- this silo incarnation already has a row
    END IF;

    UPDATE cg_membership_version
       SET version = version + 1, changed_at = now()
     WHERE deployment_id = p_deployment_id;
    RETURN true;
END
$fn$;

-- UpdateRow: change a silo row's status, suspicions and IAmAlive time if the table version is
-- still p_expected_version and the row exists; then bump the version. Returns false (and changes
-- nothing) otherwise. The provider hands out no per-row etag (it reads rows with an empty one), so
-- the table version is the only concurrency check, exactly as in Orleans' protocol.
CREATE OR REPLACE FUNCTION cg_membership_update(
    p_deployment_id    text,
    p_address          text,
    p_port             integer,
    p_generation       integer,
    p_status           integer,
    p_suspect_times    text,
    p_i_am_alive_time  timestamptz,
    p_expected_version integer)
RETURNS boolean
LANGUAGE plpgsql
AS $fn$
BEGIN
    PERFORM 1
      FROM cg_membership_version
     WHERE deployment_id = p_deployment_id
       AND version = p_expected_version
       FOR UPDATE;
    IF NOT FOUND THEN
        RETURN false; -- stale table version (or unknown cluster)
    END IF;

    UPDATE cg_membership
       SET status = p_status,
           suspect_times = p_suspect_times,
           i_am_alive_time = p_i_am_alive_time
     WHERE deployment_id = p_deployment_id
       AND address = p_address
       AND port = p_port
       AND generation = p_generation;
    IF NOT FOUND THEN
        RETURN false; -- no such silo row
    END IF;

    UPDATE cg_membership_version
       SET version = version + 1, changed_at = now()
     WHERE deployment_id = p_deployment_id;
    RETURN true;
END
$fn$;

-- The provider's queries. Dollar quoting keeps the texts free of escaped quotes; the upsert rewrites
-- a key only when its text changed, so an unchanged re-run writes nothing.
INSERT INTO OrleansQuery (QueryKey, QueryText)
VALUES
-- Silos only; read once at start. Creates the cluster's version row if missing.
-- Must return exactly one row with one column: true if this call created the row.
(
'InsertMembershipVersionKey',
$q$WITH created AS (
    INSERT INTO cg_membership_version (deployment_id)
    VALUES (@DeploymentId)
    ON CONFLICT (deployment_id) DO NOTHING
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM created);$q$
),
-- One column: true if inserted (see cg_membership_insert). @Version is the table version read.
(
'InsertMembershipKey',
$q$SELECT cg_membership_insert(@DeploymentId, @Address, @Port, @Generation, @SiloName, @HostName,
                            @Status, @ProxyPort, @StartTime, @IAmAliveTime, @Version);$q$
),
-- One column: true if updated (see cg_membership_update). @Version is the table version read.
(
'UpdateMembershipKey',
$q$SELECT cg_membership_update(@DeploymentId, @Address, @Port, @Generation, @Status, @SuspectTimes,
                            @IAmAliveTime, @Version);$q$
),
-- Heartbeat. Deliberately unconditional and without a version bump: Orleans' protocol keeps
-- IAmAlive writes outside the table version so they never conflict with membership changes.
-- The provider ignores the result.
(
'UpdateIAmAlivetimeKey',
$q$UPDATE cg_membership
   SET i_am_alive_time = @IAmAliveTime
 WHERE deployment_id = @DeploymentId
   AND address = @Address
   AND port = @Port
   AND generation = @Generation;$q$
),
-- The version row joined with the one silo row asked for. The outer join returns the version
-- even when the silo has no row (then StartTime is NULL, which the provider reads as "no entry").
-- One statement, so version and row come from one snapshot.
(
'MembershipReadRowKey',
$q$SELECT v.deployment_id   AS "DeploymentId",
       m.address         AS "Address",
       m.port            AS "Port",
       m.generation      AS "Generation",
       m.silo_name       AS "SiloName",
       m.host_name       AS "HostName",
       m.status          AS "Status",
       m.proxy_port      AS "ProxyPort",
       m.suspect_times   AS "SuspectTimes",
       m.start_time      AS "StartTime",
       m.i_am_alive_time AS "IAmAliveTime",
       v.version         AS "Version"
  FROM cg_membership_version v
  LEFT JOIN cg_membership m
         ON m.deployment_id = v.deployment_id
        AND m.address = @Address
        AND m.port = @Port
        AND m.generation = @Generation
 WHERE v.deployment_id = @DeploymentId;$q$
),
-- Same shape for the whole cluster: one row per silo, or one row with NULL silo columns if none.
(
'MembershipReadAllKey',
$q$SELECT v.deployment_id   AS "DeploymentId",
       m.address         AS "Address",
       m.port            AS "Port",
       m.generation      AS "Generation",
       m.silo_name       AS "SiloName",
       m.host_name       AS "HostName",
       m.status          AS "Status",
       m.proxy_port      AS "ProxyPort",
       m.suspect_times   AS "SuspectTimes",
       m.start_time      AS "StartTime",
       m.i_am_alive_time AS "IAmAliveTime",
       v.version         AS "Version"
  FROM cg_membership_version v
  LEFT JOIN cg_membership m
         ON m.deployment_id = v.deployment_id
 WHERE v.deployment_id = @DeploymentId;$q$
),
-- Clients (and silos' gateway list): active silos that have a gateway. @Status is 3 (Active).
(
'GatewaysQueryKey',
$q$SELECT address    AS "Address",
       proxy_port AS "ProxyPort",
       generation AS "Generation"
  FROM cg_membership
 WHERE deployment_id = @DeploymentId
   AND status = @Status
   AND proxy_port > 0;$q$
),
-- Drops a whole cluster (tests and tooling). Silo rows go through ON DELETE CASCADE.
(
'DeleteMembershipTableEntriesKey',
$q$DELETE FROM cg_membership_version
 WHERE deployment_id = @DeploymentId;$q$
),
-- Periodic cleanup (ClusterMembershipOptions.DefunctSiloCleanupPeriod / DefunctSiloExpiration):
-- removes rows of silos that are not Active (3) and have not written IAmAlive since
-- @IAmAliveTime. Like Orleans' other membership stores this also removes silos stuck in a
-- non-Active state (e.g. died while Joining), not only status 6 (Dead). No version bump:
-- nobody writes to such rows any more.
(
'CleanupDefunctSiloEntriesKey',
$q$DELETE FROM cg_membership
 WHERE deployment_id = @DeploymentId
   AND i_am_alive_time < @IAmAliveTime
   AND status <> 3;$q$
)
ON CONFLICT (QueryKey) DO UPDATE
    SET QueryText = EXCLUDED.QueryText
    WHERE OrleansQuery.QueryText IS DISTINCT FROM EXCLUDED.QueryText;
