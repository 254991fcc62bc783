/*
 * Citus API emulator, install script for the extension "citus" version 13.2-1.
 *
 * Test infrastructure of the pgcitus.cluster collection: reproduces the
 * Citus 13.2 SQL API (catalogs, node and table functions, error texts) in
 * PL/pgSQL. Shards are metadata only: rows stay in the coordinator's table,
 * no shard is ever created on a worker and no data ever moves.
 */
\echo Use "CREATE EXTENSION citus" to load this file. \quit

CREATE SCHEMA citus;
CREATE SCHEMA citus_internal;
GRANT USAGE ON SCHEMA citus TO public;
GRANT USAGE ON SCHEMA citus_internal TO public;

CREATE TYPE citus.distribution_type AS ENUM ('hash', 'range', 'append');
CREATE TYPE citus.shard_transfer_mode AS ENUM ('auto', 'force_logical', 'block_writes');
CREATE TYPE pg_catalog.noderole AS ENUM ('primary', 'secondary', 'unavailable');
CREATE TYPE citus.citus_job_status AS ENUM ('scheduled', 'running', 'finished', 'cancelling',
                                            'cancelled', 'failing', 'failed');
ALTER TYPE citus.citus_job_status SET SCHEMA pg_catalog;

---------------------------------------------------------------------------
-- C functions of the emulator
---------------------------------------------------------------------------
CREATE FUNCTION citus_internal.emulator_remote_query(nodename text, nodeport integer, query text,
                                                     authinfo text DEFAULT NULL,
                                                     raise_error boolean DEFAULT true)
    RETURNS text
    LANGUAGE C
    AS 'MODULE_PATHNAME', $$emulator_remote_query$$;
REVOKE ALL ON FUNCTION citus_internal.emulator_remote_query(text, integer, text, text, boolean) FROM PUBLIC;

CREATE FUNCTION citus_internal.emulator_run_command(nodename text, nodeport integer, command text,
                                                    authinfo text, application_name text,
                                                    OUT success boolean, OUT result text)
    RETURNS record
    LANGUAGE C
    AS 'MODULE_PATHNAME', $$emulator_run_command$$;
REVOKE ALL ON FUNCTION citus_internal.emulator_run_command(text, integer, text, text, text) FROM PUBLIC;

CREATE FUNCTION citus_internal.emulator_connection_error(nodename text, nodeport integer, authinfo text)
    RETURNS text
    LANGUAGE C
    AS 'MODULE_PATHNAME', $$emulator_connection_error$$;
REVOKE ALL ON FUNCTION citus_internal.emulator_connection_error(text, integer, text) FROM PUBLIC;

CREATE FUNCTION citus_internal.emulator_library_listed(list text, library text)
    RETURNS boolean
    LANGUAGE C STRICT IMMUTABLE
    AS 'MODULE_PATHNAME', $$emulator_library_listed$$;

CREATE FUNCTION citus_internal.emulator_check_version()
    RETURNS void
    LANGUAGE C
    AS 'MODULE_PATHNAME', $$emulator_check_version$$;

CREATE FUNCTION citus_internal.emulator_library_version()
    RETURNS text
    LANGUAGE C STRICT IMMUTABLE
    AS 'MODULE_PATHNAME', $$emulator_library_version$$;

-- getaddrinfo()'s first address of a host name, as Citus 13.2 resolves a clone's name (clonenode_utils.c)
CREATE FUNCTION citus_internal.emulator_resolve_host(hostname text)
    RETURNS text
    LANGUAGE C STRICT VOLATILE
    AS 'MODULE_PATHNAME', $$emulator_resolve_host$$;

CREATE FUNCTION citus_internal.emulator_raise(level text, sqlstate text, message text,
                                              detail text DEFAULT NULL, hint text DEFAULT NULL,
                                              context text DEFAULT NULL)
    RETURNS void
    LANGUAGE C
    AS 'MODULE_PATHNAME', $$emulator_raise$$;

---------------------------------------------------------------------------
-- Sequences and catalogs (created in schema citus, then moved to pg_catalog
-- as Citus does)
---------------------------------------------------------------------------
CREATE SEQUENCE citus.pg_dist_shardid_seq MINVALUE 102008 NO CYCLE;
ALTER SEQUENCE citus.pg_dist_shardid_seq SET SCHEMA pg_catalog;
CREATE SEQUENCE citus.pg_dist_placement_placementid_seq NO CYCLE;
ALTER SEQUENCE citus.pg_dist_placement_placementid_seq SET SCHEMA pg_catalog;
CREATE SEQUENCE citus.pg_dist_groupid_seq MINVALUE 1 MAXVALUE 4294967296;
ALTER SEQUENCE citus.pg_dist_groupid_seq SET SCHEMA pg_catalog;
CREATE SEQUENCE citus.pg_dist_node_nodeid_seq MINVALUE 1 MAXVALUE 4294967296;
ALTER SEQUENCE citus.pg_dist_node_nodeid_seq SET SCHEMA pg_catalog;
CREATE SEQUENCE citus.pg_dist_colocationid_seq MINVALUE 1 MAXVALUE 4294967296;
ALTER SEQUENCE citus.pg_dist_colocationid_seq SET SCHEMA pg_catalog;

CREATE TABLE citus.pg_dist_node (
    nodeid integer NOT NULL DEFAULT nextval('pg_catalog.pg_dist_node_nodeid_seq') PRIMARY KEY,
    groupid integer NOT NULL DEFAULT nextval('pg_catalog.pg_dist_groupid_seq'),
    nodename text NOT NULL,
    nodeport integer NOT NULL DEFAULT 5432,
    noderack text NOT NULL DEFAULT 'default',
    hasmetadata boolean NOT NULL DEFAULT false,
    isactive boolean NOT NULL DEFAULT true,
    noderole pg_catalog.noderole NOT NULL DEFAULT 'primary',
    nodecluster name NOT NULL DEFAULT 'default',
    metadatasynced boolean DEFAULT false,
    shouldhaveshards boolean NOT NULL DEFAULT true,
    nodeisclone boolean NOT NULL DEFAULT false,
    nodeprimarynodeid integer NOT NULL DEFAULT 0,
    UNIQUE (nodename, nodeport)
);
ALTER TABLE citus.pg_dist_node SET SCHEMA pg_catalog;
COMMENT ON COLUMN pg_catalog.pg_dist_node.nodeisclone IS 'Indicates if this node is a replica of another node.';
COMMENT ON COLUMN pg_catalog.pg_dist_node.nodeprimarynodeid IS 'If nodeisclone is true, this stores the nodeid of its primary node.';

CREATE TABLE citus.pg_dist_partition (
    logicalrelid regclass NOT NULL,
    partmethod "char" NOT NULL,
    partkey text,
    colocationid integer NOT NULL DEFAULT 0,
    repmodel "char" NOT NULL DEFAULT 'c',
    autoconverted boolean NOT NULL DEFAULT false
);
CREATE UNIQUE INDEX pg_dist_partition_logical_relid_index ON citus.pg_dist_partition (logicalrelid);
CREATE INDEX pg_dist_partition_colocationid_index ON citus.pg_dist_partition (colocationid);
ALTER TABLE citus.pg_dist_partition SET SCHEMA pg_catalog;

CREATE TABLE citus.pg_dist_shard (
    logicalrelid regclass NOT NULL,
    shardid bigint NOT NULL,
    shardstorage "char" NOT NULL,
    shardminvalue text,
    shardmaxvalue text
);
CREATE UNIQUE INDEX pg_dist_shard_shardid_index ON citus.pg_dist_shard (shardid);
CREATE INDEX pg_dist_shard_logical_relid_index ON citus.pg_dist_shard (logicalrelid);
ALTER TABLE citus.pg_dist_shard SET SCHEMA pg_catalog;

CREATE TABLE citus.pg_dist_placement (
    placementid bigint NOT NULL DEFAULT nextval('pg_catalog.pg_dist_placement_placementid_seq'),
    shardid bigint NOT NULL,
    shardstate integer NOT NULL,
    shardlength bigint NOT NULL,
    groupid integer NOT NULL
);
CREATE UNIQUE INDEX pg_dist_placement_placementid_index ON citus.pg_dist_placement (placementid);
CREATE UNIQUE INDEX pg_dist_placement_shardid_groupid_index ON citus.pg_dist_placement (shardid, groupid);
CREATE INDEX pg_dist_placement_groupid_index ON citus.pg_dist_placement (groupid);
ALTER TABLE citus.pg_dist_placement SET SCHEMA pg_catalog;

CREATE TABLE citus.pg_dist_colocation (
    colocationid integer NOT NULL PRIMARY KEY,
    shardcount integer NOT NULL,
    replicationfactor integer NOT NULL,
    distributioncolumntype oid NOT NULL,
    distributioncolumncollation oid NOT NULL DEFAULT 0
);
ALTER TABLE citus.pg_dist_colocation SET SCHEMA pg_catalog;

CREATE TABLE citus.pg_dist_authinfo (
    nodeid integer NOT NULL,
    rolename name NOT NULL,
    authinfo text NOT NULL
);
CREATE UNIQUE INDEX pg_dist_authinfo_identification_index ON citus.pg_dist_authinfo (rolename, nodeid DESC);
ALTER TABLE citus.pg_dist_authinfo SET SCHEMA pg_catalog;

CREATE TABLE citus.pg_dist_poolinfo (
    nodeid integer PRIMARY KEY REFERENCES pg_catalog.pg_dist_node (nodeid) ON DELETE CASCADE,
    poolinfo text NOT NULL
);
ALTER TABLE citus.pg_dist_poolinfo SET SCHEMA pg_catalog;

CREATE TABLE citus.pg_dist_node_metadata (metadata jsonb NOT NULL);
ALTER TABLE citus.pg_dist_node_metadata SET SCHEMA pg_catalog;

-- Citus's deferred cleanup records (citus--11.0-4--11.1-1.sql): shard placements to drop once their operation
-- succeeded (policy_type 2) or failed (1), or always (0); object_type 1 is a shard placement
CREATE TABLE citus.pg_dist_cleanup (
    record_id bigint PRIMARY KEY,
    operation_id bigint NOT NULL,
    object_type int NOT NULL,
    object_name text NOT NULL,
    node_group_id int NOT NULL,
    policy_type int NOT NULL
);
ALTER TABLE citus.pg_dist_cleanup SET SCHEMA pg_catalog;
GRANT SELECT ON pg_catalog.pg_dist_cleanup TO public;
CREATE SEQUENCE citus.pg_dist_operationid_seq;
ALTER SEQUENCE citus.pg_dist_operationid_seq SET SCHEMA pg_catalog;
GRANT SELECT ON pg_catalog.pg_dist_operationid_seq TO public;
CREATE SEQUENCE citus.pg_dist_cleanup_recordid_seq;
ALTER SEQUENCE citus.pg_dist_cleanup_recordid_seq SET SCHEMA pg_catalog;
GRANT SELECT ON pg_catalog.pg_dist_cleanup_recordid_seq TO public;

CREATE TABLE citus.pg_dist_local_group (groupid integer NOT NULL PRIMARY KEY);
ALTER TABLE citus.pg_dist_local_group SET SCHEMA pg_catalog;

CREATE TABLE citus.pg_dist_background_job (
    job_id bigserial NOT NULL,
    state pg_catalog.citus_job_status DEFAULT 'scheduled' NOT NULL,
    job_type name NOT NULL,
    description text NOT NULL,
    started_at timestamptz,
    finished_at timestamptz,
    CONSTRAINT pg_dist_background_job_pkey PRIMARY KEY (job_id)
);
ALTER TABLE citus.pg_dist_background_job SET SCHEMA pg_catalog;

CREATE TYPE citus.citus_task_status AS ENUM ('blocked', 'runnable', 'running', 'done', 'cancelling', 'error',
                                             'unscheduled', 'cancelled');
ALTER TYPE citus.citus_task_status SET SCHEMA pg_catalog;
CREATE TABLE citus.pg_dist_background_task (
    job_id bigint NOT NULL REFERENCES pg_catalog.pg_dist_background_job (job_id),
    task_id bigserial NOT NULL,
    owner regrole NOT NULL DEFAULT CURRENT_USER::regrole,
    pid integer,
    status pg_catalog.citus_task_status DEFAULT 'runnable' NOT NULL,
    command text NOT NULL,
    retry_count integer,
    not_before timestamptz,
    message text NOT NULL DEFAULT '',
    nodes_involved int[] DEFAULT NULL,
    CONSTRAINT pg_dist_background_task_pkey PRIMARY KEY (task_id),
    CONSTRAINT pg_dist_background_task_job_id_task_id UNIQUE (job_id, task_id)
);
ALTER TABLE citus.pg_dist_background_task SET SCHEMA pg_catalog;
CREATE TABLE citus.pg_dist_background_task_depend (
    job_id bigint NOT NULL REFERENCES pg_catalog.pg_dist_background_job (job_id) ON DELETE CASCADE,
    task_id bigint NOT NULL,
    depends_on bigint NOT NULL,
    PRIMARY KEY (job_id, task_id, depends_on),
    FOREIGN KEY (job_id, task_id) REFERENCES pg_catalog.pg_dist_background_task (job_id, task_id) ON DELETE CASCADE,
    FOREIGN KEY (job_id, depends_on) REFERENCES pg_catalog.pg_dist_background_task (job_id, task_id) ON DELETE CASCADE
);
ALTER TABLE citus.pg_dist_background_task_depend SET SCHEMA pg_catalog;

-- the real table holds regproc columns; the emulator keeps the names of
-- the strategies and their thresholds only
CREATE TABLE citus.pg_dist_rebalance_strategy (
    name name NOT NULL UNIQUE,
    default_strategy boolean NOT NULL DEFAULT false,
    shard_cost_function text NOT NULL,
    node_capacity_function text NOT NULL,
    shard_allowed_on_node_function text NOT NULL,
    default_threshold float4 NOT NULL,
    minimum_threshold float4 NOT NULL DEFAULT 0,
    improvement_threshold float4 NOT NULL DEFAULT 0
);
ALTER TABLE citus.pg_dist_rebalance_strategy SET SCHEMA pg_catalog;
INSERT INTO pg_catalog.pg_dist_rebalance_strategy VALUES
    ('by_shard_count', false, 'citus_shard_cost_1', 'citus_node_capacity_1',
     'citus_shard_allowed_on_node_true', 0, 0, 0),
    ('by_disk_size', true, 'citus_shard_cost_by_disk_size', 'citus_node_capacity_1',
     'citus_shard_allowed_on_node_true', 0.1, 0.01, 0.5);

GRANT SELECT ON pg_catalog.pg_dist_node, pg_catalog.pg_dist_partition, pg_catalog.pg_dist_shard,
    pg_catalog.pg_dist_placement, pg_catalog.pg_dist_colocation, pg_catalog.pg_dist_node_metadata,
    pg_catalog.pg_dist_local_group, pg_catalog.pg_dist_background_job, pg_catalog.pg_dist_background_task,
    pg_catalog.pg_dist_background_task_depend,
    pg_catalog.pg_dist_rebalance_strategy, pg_catalog.pg_dist_poolinfo TO public;
GRANT SELECT ON pg_catalog.pg_dist_shardid_seq, pg_catalog.pg_dist_placement_placementid_seq,
    pg_catalog.pg_dist_groupid_seq, pg_catalog.pg_dist_node_nodeid_seq,
    pg_catalog.pg_dist_colocationid_seq TO public;

INSERT INTO pg_catalog.pg_dist_local_group VALUES (0);
-- as Citus: the latest available version, whichever version is being created
INSERT INTO pg_catalog.pg_dist_node_metadata
SELECT jsonb_build_object('server_id', gen_random_uuid()::text, 'last_upgrade_version', default_version)
  FROM pg_catalog.pg_available_extensions WHERE name = 'citus';

-- the catalogs are dumped with the extension, as Citus's are
SELECT pg_catalog.pg_extension_config_dump('pg_catalog.pg_dist_node', '');
SELECT pg_catalog.pg_extension_config_dump('pg_catalog.pg_dist_partition', '');
SELECT pg_catalog.pg_extension_config_dump('pg_catalog.pg_dist_shard', '');
SELECT pg_catalog.pg_extension_config_dump('pg_catalog.pg_dist_placement', '');
SELECT pg_catalog.pg_extension_config_dump('pg_catalog.pg_dist_colocation', '');
SELECT pg_catalog.pg_extension_config_dump('pg_catalog.pg_dist_authinfo', '');

---------------------------------------------------------------------------
-- Internal helpers
---------------------------------------------------------------------------

-- raise an error with Citus's default SQLSTATE (XX000) and no PL/pgSQL context
CREATE FUNCTION citus_internal.emulator_error(message text, detail text DEFAULT NULL,
                                              hint text DEFAULT NULL, sqlstate text DEFAULT 'XX000')
    RETURNS void LANGUAGE sql
    AS $$ SELECT citus_internal.emulator_raise('ERROR', sqlstate, message, detail, hint) $$;

CREATE FUNCTION citus_internal.emulator_notice(message text, detail text DEFAULT NULL,
                                               hint text DEFAULT NULL)
    RETURNS void LANGUAGE sql
    AS $$ SELECT citus_internal.emulator_raise('NOTICE', '00000', message, detail, hint) $$;

CREATE FUNCTION citus_internal.emulator_not_supported(what text)
    RETURNS void LANGUAGE sql
    AS $$ SELECT citus_internal.emulator_raise('ERROR', '0A000',
            what || ' is not supported by the Citus API emulator',
            'The Citus API emulator (test infrastructure of pgcitus.cluster) keeps metadata only.',
            'Run this against a real Citus cluster.') $$;

-- connect to a node with citus.node_conninfo and the role's pg_dist_authinfo entry
CREATE FUNCTION citus_internal.emulator_remote(p_nodeid integer, p_query text,
                                               p_raise_error boolean DEFAULT true)
    RETURNS text LANGUAGE plpgsql
    AS $$
DECLARE
    v_node pg_catalog.pg_dist_node;
    v_authinfo text;
BEGIN
    SELECT * INTO STRICT v_node FROM pg_catalog.pg_dist_node WHERE nodeid = p_nodeid;
    SELECT a.authinfo INTO v_authinfo FROM pg_catalog.pg_dist_authinfo a
     WHERE a.rolename = current_user AND a.nodeid IN (p_nodeid, 0)
     ORDER BY a.nodeid DESC LIMIT 1;
    RETURN citus_internal.emulator_remote_query(v_node.nodename, v_node.nodeport, p_query,
                                                v_authinfo, p_raise_error);
END $$;

-- the role's pg_dist_authinfo entry for a node given by name and port (its own entry, else the wildcard one)
CREATE FUNCTION citus_internal.emulator_authinfo(p_nodename text, p_nodeport integer)
    RETURNS text LANGUAGE sql STABLE
    AS $$
    SELECT a.authinfo FROM pg_catalog.pg_dist_authinfo a
     WHERE a.rolename = current_user
       AND a.nodeid IN (0, coalesce((SELECT n.nodeid FROM pg_catalog.pg_dist_node n
                                      WHERE n.nodename = p_nodename AND n.nodeport = p_nodeport), 0))
     ORDER BY a.nodeid DESC LIMIT 1
$$;

-- runs a query on this node through a new connection to citus.local_hostname:port, as Citus does for the steps
-- it commits on its own (drain's shouldhaveshards, the orphan cleanup before shard moves): the same
-- citus.node_conninfo, ~/.pgpass and pg_dist_authinfo (wildcard entries) as any node connection
CREATE FUNCTION citus_internal.emulator_loopback(p_query text)
    RETURNS text LANGUAGE plpgsql
    AS $$
DECLARE
    v_authinfo text;
BEGIN
    SELECT a.authinfo INTO v_authinfo FROM pg_catalog.pg_dist_authinfo a
     WHERE a.rolename = current_user AND a.nodeid = 0;
    RETURN citus_internal.emulator_remote_query(current_setting('citus.local_hostname'),
                                                current_setting('port')::integer, p_query, v_authinfo);
END $$;

-- marks the transaction as having changed node metadata
CREATE FUNCTION citus_internal.emulator_mark_node_metadata_modified()
    RETURNS void LANGUAGE sql
    AS $$ SELECT set_config('citus_emulator.node_metadata_modified', 'on', true) $$;

-- the serialized Var that Citus stores in pg_dist_partition.partkey (PostgreSQL 15 format)
CREATE FUNCTION citus_internal.emulator_partkey(p_relation regclass, p_attnum smallint)
    RETURNS text LANGUAGE sql STABLE
    AS $$
    SELECT format('{VAR :varno 1 :varattno %s :vartype %s :vartypmod %s :varcollid %s '
                  ':varlevelsup 0 :varnosyn 1 :varattnosyn %s :location -1}',
                  a.attnum, a.atttypid, a.atttypmod, a.attcollation, a.attnum)
      FROM pg_catalog.pg_attribute a
     WHERE a.attrelid = p_relation AND a.attnum = p_attnum
$$;

-- nodes that can hold shards of distributed tables, in Citus's order (name, port)
CREATE FUNCTION citus_internal.emulator_placement_nodes()
    RETURNS SETOF pg_catalog.pg_dist_node LANGUAGE sql STABLE
    AS $$
    SELECT * FROM pg_catalog.pg_dist_node
     WHERE isactive AND noderole = 'primary' AND shouldhaveshards
     ORDER BY nodename COLLATE "C", nodeport
$$;

-- the coordinator placeholder Citus inserts when a table is distributed in an empty cluster
CREATE FUNCTION citus_internal.emulator_insert_coordinator_if_cluster_empty()
    RETURNS void LANGUAGE plpgsql
    AS $$
BEGIN
    LOCK TABLE pg_catalog.pg_dist_node IN ROW EXCLUSIVE MODE;
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_node) THEN
        INSERT INTO pg_catalog.pg_dist_node (groupid, nodename, nodeport, hasmetadata, isactive,
                                             noderole, nodecluster, metadatasynced, shouldhaveshards)
        VALUES (0, current_setting('citus.local_hostname'), current_setting('port')::integer,
                true, true, 'primary', 'default', true, true);
    END IF;
END $$;

-- copies reference table placements to every active primary that lacks one
CREATE FUNCTION citus_internal.emulator_ensure_reference_tables_on_all_nodes()
    RETURNS void LANGUAGE plpgsql
    AS $$
DECLARE
    v_missing bigint;
BEGIN
    SELECT count(*) INTO v_missing
      FROM pg_catalog.pg_dist_partition p
      JOIN pg_catalog.pg_dist_shard s ON s.logicalrelid = p.logicalrelid
      CROSS JOIN pg_catalog.pg_dist_node n
     WHERE p.partmethod = 'n' AND p.repmodel = 't'
       AND n.isactive AND n.noderole = 'primary'
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_placement pl
                        WHERE pl.shardid = s.shardid AND pl.groupid = n.groupid);
    IF v_missing = 0 THEN
        RETURN;
    END IF;
    IF coalesce(current_setting('citus_emulator.node_metadata_modified', true), '') = 'on' THEN
        PERFORM citus_internal.emulator_error(
            'cannot replicate reference tables in a transaction that modified node metadata', NULL, NULL, '0A000');
    END IF;
    INSERT INTO pg_catalog.pg_dist_placement (shardid, shardstate, shardlength, groupid)
    SELECT DISTINCT s.shardid, 1, 0, n.groupid
      FROM pg_catalog.pg_dist_partition p
      JOIN pg_catalog.pg_dist_shard s ON s.logicalrelid = p.logicalrelid
      CROSS JOIN pg_catalog.pg_dist_node n
     WHERE p.partmethod = 'n' AND p.repmodel = 't'
       AND n.isactive AND n.noderole = 'primary'
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_placement pl
                        WHERE pl.shardid = s.shardid AND pl.groupid = n.groupid);
END $$;

-- errors like Citus when a node holds the only placement of a shard
CREATE FUNCTION citus_internal.emulator_error_if_node_has_only_placements(p_node pg_catalog.pg_dist_node)
    RETURNS void LANGUAGE plpgsql
    AS $$
DECLARE
    v_shardid bigint;
    v_relid regclass;
BEGIN
    SELECT pl.shardid, s.logicalrelid INTO v_shardid, v_relid
      FROM pg_catalog.pg_dist_placement pl
      JOIN pg_catalog.pg_dist_shard s ON s.shardid = pl.shardid
     WHERE pl.groupid = p_node.groupid
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_placement other
                         JOIN pg_catalog.pg_dist_node n ON n.groupid = other.groupid
                        WHERE other.shardid = pl.shardid AND other.groupid <> pl.groupid
                          AND other.shardstate = 1 AND n.isactive AND n.noderole = 'primary')
     ORDER BY pl.shardid, pl.placementid
     LIMIT 1;
    IF FOUND THEN
        PERFORM citus_internal.emulator_error(
            format('cannot remove or disable the node %s:%s because because it contains the only '
                   'shard placement for shard %s', p_node.nodename, p_node.nodeport, v_shardid),
            format('One of the table(s) that prevents the operation complete successfully is %s',
                   (SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname)
                      FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                     WHERE c.oid = v_relid)),
            'To proceed, either drop the tables or use undistribute_table() function to convert '
            'them to local tables');
    END IF;
END $$;

-- the SQL that replaces a worker's pg_dist_node with the coordinator's
CREATE FUNCTION citus_internal.emulator_node_list_command(p_activating integer DEFAULT NULL)
    RETURNS text LANGUAGE sql STABLE
    AS $$
    -- (n.nodeid = p_activating) IS TRUE, not a bare comparison: with no node being activated (NULL) a node
    -- whose flag is false (an inactive clone: hasmetadata, isactive and metadatasynced all false) would
    -- otherwise send false OR NULL = NULL into a NOT NULL column
    SELECT 'DELETE FROM pg_catalog.pg_dist_node; '
           || 'INSERT INTO pg_catalog.pg_dist_node (nodeid, groupid, nodename, nodeport, noderack, hasmetadata, '
           || 'isactive, noderole, nodecluster, metadatasynced, shouldhaveshards, nodeisclone, '
           || 'nodeprimarynodeid) VALUES '
           || string_agg(format('(%s, %s, %L, %s, %L, %L, %L, %L, %L, %L, %L, %L, %s)',
                                n.nodeid, n.groupid, n.nodename, n.nodeport, n.noderack,
                                n.hasmetadata OR (n.nodeid = p_activating) IS TRUE,
                                n.isactive OR (n.nodeid = p_activating) IS TRUE,
                                n.noderole, n.nodecluster,
                                n.metadatasynced OR (n.nodeid = p_activating) IS TRUE,
                                n.shouldhaveshards, n.nodeisclone, n.nodeprimarynodeid), ', ' ORDER BY n.nodeid)
      FROM pg_catalog.pg_dist_node n
$$;

-- pushes the node list to every active primary worker with metadata (except p_except)
CREATE FUNCTION citus_internal.emulator_sync_node_list(p_except integer DEFAULT NULL)
    RETURNS void LANGUAGE plpgsql
    AS $$
DECLARE
    v_nodeid integer;
BEGIN
    FOR v_nodeid IN SELECT nodeid FROM pg_catalog.pg_dist_node
                     WHERE hasmetadata AND isactive AND noderole = 'primary' AND groupid <> 0
                       AND nodeid IS DISTINCT FROM p_except
                     ORDER BY nodeid LOOP
        PERFORM citus_internal.emulator_remote(v_nodeid,
            'BEGIN; ' || citus_internal.emulator_node_list_command() || '; COMMIT');
    END LOOP;
END $$;

-- what citus_activate_node / citus_add_node do on the worker: a critical remote
-- transaction that fails like Citus's when the worker has no citus extension
CREATE FUNCTION citus_internal.emulator_activate(p_nodeid integer)
    RETURNS void LANGUAGE plpgsql
    AS $$
DECLARE
    v_node pg_catalog.pg_dist_node;
BEGIN
    SELECT * INTO STRICT v_node FROM pg_catalog.pg_dist_node WHERE nodeid = p_nodeid;
    IF v_node.groupid = 0 OR v_node.noderole <> 'primary' THEN
        UPDATE pg_catalog.pg_dist_node SET isactive = true WHERE nodeid = p_nodeid;
        RETURN;
    END IF;

    -- IsWorkerTheCurrentNode: compare server ids (errors other than connection errors are ignored)
    IF citus_internal.emulator_remote(p_nodeid,
           'SELECT metadata ->> ''server_id'' AS server_id FROM pg_dist_node_metadata', false)
       = (SELECT metadata ->> 'server_id' FROM pg_catalog.pg_dist_node_metadata LIMIT 1) THEN
        PERFORM citus_internal.emulator_error('Node cannot add itself as a worker.', NULL,
            format('Add the node as a coordinator by using: SELECT citus_set_coordinator_host(''%s'', %s);',
                   v_node.nodename, v_node.nodeport));
    END IF;

    PERFORM citus_internal.emulator_remote(p_nodeid,
        format('BEGIN; '
               'SELECT assign_distributed_transaction_id(0, 8, ''%s''); '
               'UPDATE pg_catalog.pg_dist_local_group SET groupid = %s; '
               '%s; '
               'COMMIT',
               to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00',
               v_node.groupid, citus_internal.emulator_node_list_command(p_nodeid)));

    UPDATE pg_catalog.pg_dist_node
       SET isactive = true, hasmetadata = true, metadatasynced = true
     WHERE nodeid = p_nodeid;
    PERFORM citus_internal.emulator_sync_node_list(p_nodeid);
END $$;

CREATE FUNCTION citus_internal.emulator_find_node(p_nodename text, p_nodeport integer)
    RETURNS pg_catalog.pg_dist_node LANGUAGE plpgsql
    AS $$
DECLARE
    v_node pg_catalog.pg_dist_node;
BEGIN
    LOCK TABLE pg_catalog.pg_dist_node IN EXCLUSIVE MODE;
    SELECT * INTO v_node FROM pg_catalog.pg_dist_node WHERE nodename = p_nodename AND nodeport = p_nodeport;
    IF NOT FOUND THEN
        PERFORM citus_internal.emulator_error(format('node at "%s:%s" does not exist', p_nodename, p_nodeport));
    END IF;
    RETURN v_node;
END $$;

CREATE FUNCTION citus_internal.emulator_drop_empty_colocation_groups()
    RETURNS void LANGUAGE sql
    AS $$
    DELETE FROM pg_catalog.pg_dist_colocation c
     WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition p WHERE p.colocationid = c.colocationid)
$$;

-- removes all Citus metadata of a table (no data is touched)
CREATE FUNCTION citus_internal.emulator_delete_table_metadata(p_relid oid)
    RETURNS void LANGUAGE plpgsql
    AS $$
BEGIN
    DELETE FROM pg_catalog.pg_dist_placement
     WHERE shardid IN (SELECT shardid FROM pg_catalog.pg_dist_shard WHERE logicalrelid::oid = p_relid);
    DELETE FROM pg_catalog.pg_dist_shard WHERE logicalrelid::oid = p_relid;
    DELETE FROM pg_catalog.pg_dist_partition WHERE logicalrelid::oid = p_relid;
    PERFORM citus_internal.emulator_drop_empty_colocation_groups();
END $$;

CREATE FUNCTION citus_internal.emulator_qualified_name(p_relid regclass)
    RETURNS text LANGUAGE sql STABLE
    AS $$
    SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname)
      FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE c.oid = p_relid
$$;

---------------------------------------------------------------------------
-- Version and helpers of the public API
---------------------------------------------------------------------------
CREATE FUNCTION pg_catalog.citus_version()
    RETURNS text LANGUAGE sql STABLE
    AS $$
    SELECT 'Citus ' || citus_internal.emulator_library_version() || ' (API emulator: metadata only, moves no data)'
           || coalesce(substring(version() from ' on .*$'), '')
$$;
COMMENT ON FUNCTION pg_catalog.citus_version() IS 'Citus version string';

CREATE FUNCTION pg_catalog.citus_server_id()
    RETURNS uuid LANGUAGE sql VOLATILE
    AS $$ SELECT gen_random_uuid() $$;

CREATE FUNCTION pg_catalog.assign_distributed_transaction_id(initiator_node_identifier integer,
                                                             transaction_number bigint,
                                                             transaction_stamp timestamptz)
    RETURNS void LANGUAGE plpgsql
    AS $$ BEGIN NULL; END $$;

CREATE FUNCTION pg_catalog.column_to_column_name(table_name regclass, column_var_text text)
    RETURNS text LANGUAGE plpgsql STRICT STABLE
    AS $$
DECLARE
    v_attnum integer;
    v_name text;
BEGIN
    v_attnum := substring(column_var_text from ':varattno (-?[0-9]+)')::integer;
    IF v_attnum IS NULL THEN
        PERFORM citus_internal.emulator_error('not a valid column');
    END IF;
    SELECT attname INTO v_name FROM pg_catalog.pg_attribute
     WHERE attrelid = table_name AND attnum = v_attnum AND NOT attisdropped;
    RETURN v_name;
END $$;
COMMENT ON FUNCTION pg_catalog.column_to_column_name(regclass, text)
    IS 'convert the textual representation of a distribution column to a human-readable column name';

CREATE FUNCTION pg_catalog.shard_name(object_name regclass, shard_id bigint)
    RETURNS text LANGUAGE sql STABLE STRICT
    AS $$
    SELECT CASE WHEN n.nspname = 'public' THEN quote_ident(c.relname || '_' || shard_id)
                ELSE quote_ident(n.nspname) || '.' || quote_ident(c.relname || '_' || shard_id) END
      FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE c.oid = object_name
$$;

-- sizes are not measured on workers: the coordinator's table size is split over its shards
CREATE FUNCTION pg_catalog.citus_shard_sizes(OUT shard_id bigint, OUT size bigint)
    RETURNS SETOF record LANGUAGE sql STABLE
    AS $$
    SELECT s.shardid,
           pg_total_relation_size(s.logicalrelid)
             / greatest(1, (SELECT count(*) FROM pg_catalog.pg_dist_shard s2 WHERE s2.logicalrelid = s.logicalrelid))
      FROM pg_catalog.pg_dist_shard s
$$;

CREATE FUNCTION pg_catalog.truncate_local_data_after_distributing_table(function_name regclass)
    RETURNS void LANGUAGE plpgsql
    AS $$ BEGIN NULL; END $$;
COMMENT ON FUNCTION pg_catalog.truncate_local_data_after_distributing_table(regclass)
    IS 'emulator: no-op, the rows of a distributed table stay in the coordinator''s table';

---------------------------------------------------------------------------
-- Views
---------------------------------------------------------------------------
CREATE VIEW citus.pg_dist_shard_placement AS
SELECT placement.shardid, placement.shardstate, placement.shardlength, node.nodename,
       node.nodeport::bigint AS nodeport, placement.placementid
  FROM pg_catalog.pg_dist_placement placement
  JOIN pg_catalog.pg_dist_node node ON (placement.groupid = node.groupid AND node.noderole = 'primary');
ALTER VIEW citus.pg_dist_shard_placement SET SCHEMA pg_catalog;
GRANT SELECT ON pg_catalog.pg_dist_shard_placement TO public;

CREATE VIEW citus.citus_shards AS
SELECT pg_dist_shard.logicalrelid AS table_name,
       pg_dist_shard.shardid,
       shard_name(pg_dist_shard.logicalrelid, pg_dist_shard.shardid) AS shard_name,
       CASE WHEN partkey IS NOT NULL THEN 'distributed'
            WHEN repmodel = 't' THEN 'reference'
            WHEN colocationid = 0 THEN 'local'
            ELSE 'distributed' END AS citus_table_type,
       colocationid AS colocation_id,
       pg_dist_node.nodename,
       pg_dist_node.nodeport,
       size AS shard_size
  FROM pg_catalog.pg_dist_shard
  JOIN pg_catalog.pg_dist_placement ON pg_dist_shard.shardid = pg_dist_placement.shardid
  JOIN pg_catalog.pg_dist_node ON pg_dist_placement.groupid = pg_dist_node.groupid
  JOIN pg_catalog.pg_dist_partition ON pg_dist_partition.logicalrelid = pg_dist_shard.logicalrelid
  LEFT JOIN (SELECT shard_id, max(size) AS size FROM citus_shard_sizes() GROUP BY shard_id) AS shard_sizes
    ON pg_dist_shard.shardid = shard_sizes.shard_id
 WHERE pg_dist_placement.shardstate = 1
 ORDER BY pg_dist_shard.logicalrelid::text, shardid;
ALTER VIEW citus.citus_shards SET SCHEMA pg_catalog;
GRANT SELECT ON pg_catalog.citus_shards TO public;

DO $do$
DECLARE
    v_query text := $q$
    CREATE VIEW %I.citus_tables AS
    SELECT logicalrelid AS table_name,
           CASE WHEN partkey IS NOT NULL THEN 'distributed'
                WHEN repmodel = 't' THEN 'reference'
                WHEN colocationid = 0 THEN 'local'
                ELSE 'distributed' END AS citus_table_type,
           coalesce(column_to_column_name(logicalrelid, partkey), '<none>') AS distribution_column,
           colocationid AS colocation_id,
           pg_size_pretty(table_sizes.table_size) AS table_size,
           (SELECT count(*) FROM pg_catalog.pg_dist_shard WHERE logicalrelid = p.logicalrelid) AS shard_count,
           pg_get_userbyid(relowner) AS table_owner,
           amname AS access_method
      FROM pg_catalog.pg_dist_partition p
      JOIN pg_catalog.pg_class c ON (p.logicalrelid = c.oid)
      LEFT JOIN pg_catalog.pg_am a ON (a.oid = c.relam)
      JOIN (SELECT ds.logicalrelid AS table_id, sum(css.size) AS table_size
              FROM citus_shard_sizes() css, pg_catalog.pg_dist_shard ds
             WHERE css.shard_id = ds.shardid
             GROUP BY ds.logicalrelid) table_sizes ON (table_sizes.table_id = p.logicalrelid)
     ORDER BY logicalrelid::text;
    $q$;
BEGIN
    IF EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'public') THEN
        EXECUTE format(v_query, 'public');
        GRANT SELECT ON public.citus_tables TO public;
    ELSE
        EXECUTE format(v_query, 'citus');
        ALTER VIEW citus.citus_tables SET SCHEMA pg_catalog;
        GRANT SELECT ON pg_catalog.citus_tables TO public;
    END IF;
END $do$;

---------------------------------------------------------------------------
-- Node functions
---------------------------------------------------------------------------
CREATE FUNCTION pg_catalog.citus_set_coordinator_host(host text,
                                                      port integer DEFAULT current_setting('port')::int,
                                                      node_role noderole DEFAULT 'primary',
                                                      node_cluster name DEFAULT 'default')
    RETURNS void LANGUAGE plpgsql STRICT
    AS $$
DECLARE
    v_nodeid integer;
BEGIN
    PERFORM citus_internal.emulator_check_version();
    LOCK TABLE pg_catalog.pg_dist_node IN ROW EXCLUSIVE MODE;
    SELECT nodeid INTO v_nodeid FROM pg_catalog.pg_dist_node WHERE groupid = 0 AND noderole = 'primary';
    IF NOT FOUND THEN
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_node n WHERE n.nodename = host AND n.nodeport = port) THEN
            INSERT INTO pg_catalog.pg_dist_node (groupid, nodename, nodeport, hasmetadata, isactive,
                                                 noderole, nodecluster, metadatasynced, shouldhaveshards)
            VALUES (0, host, port, true, true, node_role, node_cluster, true, false);
        END IF;
    ELSE
        UPDATE pg_catalog.pg_dist_node SET nodename = host, nodeport = port WHERE nodeid = v_nodeid;
    END IF;
    PERFORM citus_internal.emulator_mark_node_metadata_modified();
END $$;
COMMENT ON FUNCTION pg_catalog.citus_set_coordinator_host(text, integer, noderole, name)
    IS 'set the host and port of the coordinator';
REVOKE ALL ON FUNCTION pg_catalog.citus_set_coordinator_host(text, int, noderole, name) FROM PUBLIC;

-- AddNodeMetadata of Citus: inserts the row, returns the node id (existing id when already there)
CREATE FUNCTION citus_internal.emulator_add_node_metadata(p_nodename text, p_nodeport integer,
                                                          p_groupid integer, p_noderole noderole,
                                                          p_nodecluster name, OUT nodeid integer,
                                                          OUT already_exists boolean)
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_coordinator text;
    v_groupid integer := p_groupid;
BEGIN
    SELECT n.nodeid INTO nodeid FROM pg_catalog.pg_dist_node n
     WHERE n.nodename = p_nodename AND n.nodeport = p_nodeport;
    IF FOUND THEN
        already_exists := true;
        RETURN;
    END IF;
    already_exists := false;
    LOCK TABLE pg_catalog.pg_dist_node IN EXCLUSIVE MODE;

    IF v_groupid <> 0 AND p_nodename <> 'localhost' THEN
        SELECT n.nodename INTO v_coordinator FROM pg_catalog.pg_dist_node n
         WHERE n.groupid = 0 AND n.noderole = 'primary';
        IF v_coordinator = 'localhost' THEN
            PERFORM citus_internal.emulator_error(
                'cannot add a worker node when the coordinator hostname is set to localhost',
                'Worker nodes need to be able to connect to the coordinator to transfer data.',
                'Use SELECT citus_set_coordinator_host(''<hostname>'') to configure the coordinator hostname');
        END IF;
    END IF;

    IF v_groupid = -1 THEN
        v_groupid := nextval('pg_catalog.pg_dist_groupid_seq');
    END IF;

    IF p_noderole = 'primary' AND EXISTS (SELECT 1 FROM pg_catalog.pg_dist_node n
                                           WHERE n.groupid = v_groupid AND n.noderole = 'primary') THEN
        PERFORM citus_internal.emulator_error(format('group %s already has a primary node', v_groupid));
    END IF;
    IF p_noderole = 'primary' AND p_nodecluster <> 'default' THEN
        PERFORM citus_internal.emulator_error('primaries must be added to the default cluster');
    END IF;

    nodeid := nextval('pg_catalog.pg_dist_node_nodeid_seq');
    INSERT INTO pg_catalog.pg_dist_node (nodeid, groupid, nodename, nodeport, hasmetadata, isactive,
                                         noderole, nodecluster, metadatasynced, shouldhaveshards)
    VALUES (nodeid, v_groupid, p_nodename, p_nodeport, v_groupid = 0, true, p_noderole, p_nodecluster,
            v_groupid = 0, v_groupid <> 0);
END $$;

CREATE FUNCTION pg_catalog.citus_add_node(nodename text, nodeport integer, groupid integer DEFAULT -1,
                                          noderole noderole DEFAULT 'primary',
                                          nodecluster name DEFAULT 'default')
    RETURNS integer LANGUAGE plpgsql STRICT
    AS $$
DECLARE
    v_result record;
BEGIN
    PERFORM citus_internal.emulator_check_version();
    v_result := citus_internal.emulator_add_node_metadata(nodename, nodeport, groupid, noderole, nodecluster);
    PERFORM citus_internal.emulator_mark_node_metadata_modified();
    IF v_result.already_exists THEN
        RETURN v_result.nodeid;
    END IF;
    PERFORM citus_internal.emulator_activate(v_result.nodeid);
    RETURN v_result.nodeid;
END $$;
COMMENT ON FUNCTION pg_catalog.citus_add_node(text, integer, integer, noderole, name)
    IS 'add node to the cluster';
REVOKE ALL ON FUNCTION pg_catalog.citus_add_node(text, int, int, noderole, name) FROM PUBLIC;

CREATE FUNCTION pg_catalog.citus_add_inactive_node(nodename text, nodeport integer,
                                                   groupid integer DEFAULT -1,
                                                   noderole noderole DEFAULT 'primary',
                                                   nodecluster name DEFAULT 'default')
    RETURNS integer LANGUAGE plpgsql STRICT
    AS $$
DECLARE
    v_result record;
BEGIN
    PERFORM citus_internal.emulator_check_version();
    IF groupid = 0 THEN
        PERFORM citus_internal.emulator_error('coordinator node cannot be added as inactive node');
    END IF;
    v_result := citus_internal.emulator_add_node_metadata(nodename, nodeport, groupid, noderole, nodecluster);
    IF NOT v_result.already_exists THEN
        UPDATE pg_catalog.pg_dist_node n SET isactive = false WHERE n.nodeid = v_result.nodeid;
    END IF;
    PERFORM citus_internal.emulator_mark_node_metadata_modified();
    RETURN v_result.nodeid;
END $$;
REVOKE ALL ON FUNCTION pg_catalog.citus_add_inactive_node(text, int, int, noderole, name) FROM PUBLIC;

CREATE FUNCTION pg_catalog.citus_add_secondary_node(nodename text, nodeport integer, primaryname text,
                                                    primaryport integer, nodecluster name DEFAULT 'default')
    RETURNS integer LANGUAGE plpgsql STRICT
    AS $$
DECLARE
    v_groupid integer;
    v_result record;
BEGIN
    PERFORM citus_internal.emulator_check_version();
    SELECT n.groupid INTO v_groupid FROM pg_catalog.pg_dist_node n
     WHERE n.nodename = primaryname AND n.nodeport = primaryport AND n.nodecluster = 'default';
    IF NOT FOUND THEN
        PERFORM citus_internal.emulator_error(format('node at "%s:%s" does not exist', primaryname, primaryport));
    END IF;
    v_result := citus_internal.emulator_add_node_metadata(nodename, nodeport, v_groupid, 'secondary', nodecluster);
    PERFORM citus_internal.emulator_mark_node_metadata_modified();
    RETURN v_result.nodeid;
END $$;
COMMENT ON FUNCTION pg_catalog.citus_add_secondary_node(text, integer, text, integer, name)
    IS 'add a secondary node to the cluster';
REVOKE ALL ON FUNCTION pg_catalog.citus_add_secondary_node(text, int, text, int, name) FROM PUBLIC;

CREATE FUNCTION pg_catalog.citus_remove_node(nodename text, nodeport integer)
    RETURNS void LANGUAGE plpgsql STRICT
    AS $$
DECLARE
    v_node pg_catalog.pg_dist_node;
BEGIN
    PERFORM citus_internal.emulator_check_version();
    v_node := citus_internal.emulator_find_node(nodename, nodeport);
    IF v_node.noderole = 'primary' THEN
        PERFORM citus_internal.emulator_error_if_node_has_only_placements(v_node);
        -- reference (replicated) table placements of the group go away with the node
        DELETE FROM pg_catalog.pg_dist_placement pl
         WHERE pl.groupid = v_node.groupid
           AND pl.shardid IN (SELECT s.shardid FROM pg_catalog.pg_dist_shard s
                                JOIN pg_catalog.pg_dist_partition p ON p.logicalrelid = s.logicalrelid
                               WHERE p.repmodel = 't' OR p.repmodel = 'c');
    END IF;
    DELETE FROM pg_catalog.pg_dist_node n WHERE n.nodeid = v_node.nodeid;
    PERFORM citus_internal.emulator_sync_node_list();
    PERFORM citus_internal.emulator_mark_node_metadata_modified();
END $$;
COMMENT ON FUNCTION pg_catalog.citus_remove_node(text, integer) IS 'remove node from the cluster';
REVOKE ALL ON FUNCTION pg_catalog.citus_remove_node(text, int) FROM PUBLIC;

CREATE FUNCTION pg_catalog.citus_disable_node(nodename text, nodeport integer, synchronous bool DEFAULT false)
    RETURNS void LANGUAGE plpgsql STRICT
    AS $$
DECLARE
    v_node pg_catalog.pg_dist_node;
    v_first integer;
BEGIN
    v_node := citus_internal.emulator_find_node(nodename, nodeport);
    IF v_node.groupid = 0 THEN
        PERFORM citus_internal.emulator_error('cannot change "isactive" field of the coordinator node');
    END IF;
    SELECT n.nodeid INTO v_first FROM pg_catalog.pg_dist_node n
     WHERE n.isactive AND n.noderole = 'primary' AND n.groupid <> 0
     ORDER BY n.nodename COLLATE "C", n.nodeport LIMIT 1;
    IF v_first = v_node.nodeid AND NOT synchronous THEN
        PERFORM citus_internal.emulator_error(
            'disabling the first worker node in the metadata is not allowed',
            'Citus uses the first worker node in the metadata for certain internal operations when '
            'replicated tables are modified. Synchronous mode ensures that all nodes have the same view '
            'of the first worker node, which is used for certain locking operations.',
            format('You can force disabling node, SELECT citus_disable_node(''%s'', %s, synchronous:=true);',
                   v_node.nodename, nodeport),
            '55000');
    END IF;
    UPDATE pg_catalog.pg_dist_node n SET isactive = false WHERE n.nodeid = v_node.nodeid;
    IF v_node.noderole = 'primary' THEN
        PERFORM citus_internal.emulator_error_if_node_has_only_placements(v_node);
    END IF;
    PERFORM citus_internal.emulator_mark_node_metadata_modified();
END $$;
COMMENT ON FUNCTION pg_catalog.citus_disable_node(text, integer, bool)
    IS 'removes node from the cluster temporarily';
REVOKE ALL ON FUNCTION pg_catalog.citus_disable_node(text, int, bool) FROM PUBLIC;

CREATE FUNCTION pg_catalog.citus_activate_node(nodename text, nodeport integer)
    RETURNS integer LANGUAGE plpgsql STRICT
    AS $$
DECLARE
    v_node pg_catalog.pg_dist_node;
BEGIN
    v_node := citus_internal.emulator_find_node(nodename, nodeport);
    PERFORM citus_internal.emulator_activate(v_node.nodeid);
    PERFORM citus_internal.emulator_mark_node_metadata_modified();
    RETURN v_node.nodeid;
END $$;
COMMENT ON FUNCTION pg_catalog.citus_activate_node(text, integer)
    IS 'activate a node which is in the cluster';
REVOKE ALL ON FUNCTION pg_catalog.citus_activate_node(text, integer) FROM PUBLIC;

CREATE FUNCTION pg_catalog.citus_set_node_property(nodename text, nodeport integer, property text, value boolean)
    RETURNS void LANGUAGE plpgsql STRICT
    AS $$
DECLARE
    v_node pg_catalog.pg_dist_node;
BEGIN
    PERFORM citus_internal.emulator_check_version();
    v_node := citus_internal.emulator_find_node(nodename, nodeport);
    IF property = 'shouldhaveshards' THEN
        UPDATE pg_catalog.pg_dist_node n SET shouldhaveshards = value WHERE n.nodeid = v_node.nodeid;
        PERFORM citus_internal.emulator_sync_node_list();
    ELSE
        PERFORM citus_internal.emulator_error(
            'only the ''shouldhaveshards'' property can be set using this function');
    END IF;
    PERFORM citus_internal.emulator_mark_node_metadata_modified();
END $$;
COMMENT ON FUNCTION pg_catalog.citus_set_node_property(text, integer, text, boolean)
    IS 'set a property of a node in pg_dist_node';
REVOKE ALL ON FUNCTION pg_catalog.citus_set_node_property(text, integer, text, boolean) FROM PUBLIC;

CREATE FUNCTION pg_catalog.citus_update_node(node_id int, new_node_name text, new_node_port int,
                                             force bool DEFAULT false, lock_cooldown int DEFAULT 10000)
    RETURNS void LANGUAGE plpgsql STRICT
    AS $$
BEGIN
    PERFORM citus_internal.emulator_check_version();
    LOCK TABLE pg_catalog.pg_dist_node IN EXCLUSIVE MODE;
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_dist_node n
                WHERE n.nodename = new_node_name AND n.nodeport = new_node_port AND n.nodeid <> node_id) THEN
        PERFORM citus_internal.emulator_error(
            'there is already another node with the specified hostname and port', NULL, NULL, '55000');
    END IF;
    UPDATE pg_catalog.pg_dist_node n SET nodename = new_node_name, nodeport = new_node_port
     WHERE n.nodeid = node_id;
    IF NOT FOUND THEN
        PERFORM citus_internal.emulator_error(format('node %s not found', node_id), NULL, NULL, 'P0002');
    END IF;
    PERFORM citus_internal.emulator_mark_node_metadata_modified();
END $$;
COMMENT ON FUNCTION pg_catalog.citus_update_node(int, text, int, bool, int)
    IS 'change the location of a node. when force => true it will wait lock_cooldown ms before killing competing locks';
REVOKE ALL ON FUNCTION pg_catalog.citus_update_node(int, text, int, bool, int) FROM PUBLIC;

CREATE FUNCTION pg_catalog.citus_get_active_worker_nodes(OUT node_name text, OUT node_port bigint)
    RETURNS SETOF record LANGUAGE sql STABLE
    AS $$
    SELECT citus_internal.emulator_check_version();
    SELECT nodename, nodeport::bigint FROM pg_catalog.pg_dist_node
     WHERE isactive AND noderole = 'primary' AND groupid <> 0
     ORDER BY nodename COLLATE "C", nodeport
$$;
COMMENT ON FUNCTION pg_catalog.citus_get_active_worker_nodes() IS 'fetch set of active worker nodes';

---------------------------------------------------------------------------
-- Clone nodes and snapshot-based scale-out (Citus 13.2: metadata/node_metadata.c, utils/clonenode_utils.c,
-- operations/node_promotion.c, operations/shard_rebalancer.c and shard_transfer.c). These really talk to the
-- nodes, as Citus does: pg_is_in_recovery() and pg_control_system() on the clone and the primary,
-- pg_stat_replication on the primary, WAL positions for the catch-up, pg_promote() on the clone. Only the
-- shard split is metadata: the emulator has no shard tables to drop, so its pg_dist_cleanup records name shards
-- that exist on no node.
---------------------------------------------------------------------------

-- EnsureSuperUser of Citus
CREATE FUNCTION citus_internal.emulator_ensure_superuser()
    RETURNS void LANGUAGE plpgsql
    AS $$
BEGIN
    IF NOT (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
        PERFORM citus_internal.emulator_error('operation is not allowed', NULL, 'Run the command with a superuser.');
    END IF;
END $$;

-- EnsureCoordinator of Citus: refused on a node whose local group is not the coordinator's (a worker with metadata)
CREATE FUNCTION citus_internal.emulator_ensure_coordinator()
    RETURNS void LANGUAGE plpgsql
    AS $$
BEGIN
    IF (SELECT groupid FROM pg_catalog.pg_dist_local_group LIMIT 1) <> 0 THEN
        PERFORM citus_internal.emulator_error('operation is not allowed on this node', NULL,
                                              'Connect to the coordinator and run it again.');
    END IF;
END $$;

-- one value from a node given by name and port, over a node connection (connection errors as Citus's)
CREATE FUNCTION citus_internal.emulator_node_value(p_nodename text, p_nodeport integer, p_query text,
                                                   p_raise_error boolean DEFAULT true)
    RETURNS text LANGUAGE sql
    AS $$
    SELECT citus_internal.emulator_remote_query(p_nodename, p_nodeport, p_query,
                                                citus_internal.emulator_authinfo(p_nodename, p_nodeport),
                                                p_raise_error)
$$;

-- EnsureValidStreamingReplica: the clone is in recovery and has the primary's system identifier
CREATE FUNCTION citus_internal.emulator_ensure_valid_streaming_replica(p_primary pg_catalog.pg_dist_node,
                                                                        p_host text, p_port integer)
    RETURNS void LANGUAGE plpgsql
    AS $$
DECLARE
    v_clone_sysid text;
    v_primary_sysid text;
BEGIN
    IF citus_internal.emulator_node_value(p_host, p_port, 'SELECT pg_is_in_recovery()')
       IS DISTINCT FROM 't' THEN
        PERFORM citus_internal.emulator_error(format('node %s:%s is not in recovery mode', p_host, p_port),
                                              NULL, NULL, '55000');
    END IF;
    v_clone_sysid := citus_internal.emulator_node_value(p_host, p_port,
        'SELECT system_identifier FROM pg_control_system()');
    v_primary_sysid := citus_internal.emulator_node_value(p_primary.nodename, p_primary.nodeport,
        'SELECT system_identifier FROM pg_control_system()');
    IF v_clone_sysid IS DISTINCT FROM v_primary_sysid THEN
        PERFORM citus_internal.emulator_error(
            format('system identifiers do not match: %s (clone) vs %s (primary)', v_clone_sysid, v_primary_sysid),
            NULL, NULL, '08006');
    END IF;
END $$;

-- EnsureValidCloneMode: the primary's pg_stat_replication shows the clone (by application_name, client_hostname
-- or the address its name resolves to; the port is not compared, as in Citus), and not as a synchronous standby
CREATE FUNCTION citus_internal.emulator_ensure_valid_clone_mode(p_primary pg_catalog.pg_dist_node, p_host text,
                                                                 p_port integer, p_operation text)
    RETURNS void LANGUAGE plpgsql
    AS $$
DECLARE
    v_address text;
    v_query text;
    v_sync_state text;
BEGIN
    PERFORM citus_internal.emulator_notice(format(
        'checking replication relationship between primary %s:%s and clone %s:%s',
        p_primary.nodename, p_primary.nodeport, p_host, p_port));
    v_address := citus_internal.emulator_resolve_host(p_host);
    PERFORM citus_internal.emulator_notice(format('checking replication status of clone node %s:%s', p_host, p_port));
    IF v_address IS NOT NULL THEN
        v_query := format('SELECT sync_state, state FROM pg_stat_replication WHERE application_name = ''%s'' OR '
                          'client_hostname = ''%s'' OR client_addr = ''%s''', p_host, p_host, v_address);
    ELSE
        v_query := format('SELECT sync_state, state FROM pg_stat_replication WHERE application_name = ''%s'' OR '
                          'client_hostname = ''%s''', p_host, p_host);
    END IF;
    -- the first row's sync_state ('' stands for a row with none, NULL for no row)
    v_sync_state := citus_internal.emulator_node_value(p_primary.nodename, p_primary.nodeport,
        format('SELECT coalesce(sync_state, '''') FROM (%s) s', v_query));
    IF v_sync_state IS NULL THEN
        PERFORM citus_internal.emulator_error(
            format('clone %s:%s is not connected to primary %s:%s', p_host, p_port,
                   p_primary.nodename, p_primary.nodeport),
            'The clone must be actively replicating from the specified primary node',
            'Verify the clone is running and properly configured for replication', '55000');
    END IF;
    IF v_sync_state IN ('sync', 'quorum') THEN
        PERFORM citus_internal.emulator_error(
            format('cannot %s clone %s:%s as it is configured as a synchronous replica', p_operation, p_host, p_port),
            'Promoting a synchronous clone can cause data consistency issues',
            'Configure clone as an asynchronous replica', '55000');
    END IF;
    PERFORM citus_internal.emulator_notice(format(
        'clone %s:%s is properly connected to primary %s:%s and is not synchronous',
        p_host, p_port, p_primary.nodename, p_primary.nodeport));
END $$;

-- CitusAddCloneNode: an inactive node of role 'unavailable' in a group of its own, no shards, no metadata,
-- nodeisclone and the primary's node id; the node list goes to the workers with metadata
CREATE FUNCTION citus_internal.emulator_add_clone_node(p_primary pg_catalog.pg_dist_node, p_host text,
                                                        p_port integer)
    RETURNS integer LANGUAGE plpgsql
    AS $$
DECLARE
    v_existing pg_catalog.pg_dist_node;
    v_nodeid integer;
BEGIN
    IF p_primary.nodeisclone THEN
        PERFORM citus_internal.emulator_error(
            format('primary node %s:%s is itself a clone and cannot have clones',
                   p_primary.nodename, p_primary.nodeport), NULL, NULL, '55000');
    END IF;
    IF NOT p_primary.shouldhaveshards THEN
        PERFORM citus_internal.emulator_error(
            format('primary node %s:%s does not have shards, node without shards cannot have clones',
                   p_primary.nodename, p_primary.nodeport), NULL, NULL, '55000');
    END IF;
    SELECT * INTO v_existing FROM pg_catalog.pg_dist_node n WHERE n.nodename = p_host AND n.nodeport = p_port;
    IF FOUND THEN
        IF v_existing.nodeisclone AND v_existing.nodeprimarynodeid = p_primary.nodeid THEN
            PERFORM citus_internal.emulator_notice(format(
                'node %s:%s is already registered as a clone for primary %s:%s (nodeid %s)',
                p_host, p_port, p_primary.nodename, p_primary.nodeport, p_primary.nodeid));
            RETURN v_existing.nodeid;
        END IF;
        PERFORM citus_internal.emulator_error(
            format('a different node %s:%s (nodeid %s) already exists or is a clone for a different primary',
                   p_host, p_port, v_existing.nodeid), NULL, NULL, '55000');
    END IF;
    PERFORM citus_internal.emulator_ensure_valid_streaming_replica(p_primary, p_host, p_port);
    PERFORM citus_internal.emulator_ensure_valid_clone_mode(p_primary, p_host, p_port, 'add');

    LOCK TABLE pg_catalog.pg_dist_node IN EXCLUSIVE MODE;
    IF p_host <> 'localhost' AND (SELECT n.nodename FROM pg_catalog.pg_dist_node n
                                    WHERE n.groupid = 0 AND n.noderole = 'primary') = 'localhost' THEN
        PERFORM citus_internal.emulator_error(
            'cannot add a worker node when the coordinator hostname is set to localhost',
            'Worker nodes need to be able to connect to the coordinator to transfer data.',
            'Use SELECT citus_set_coordinator_host(''<hostname>'') to configure the coordinator hostname');
    END IF;
    v_nodeid := nextval('pg_catalog.pg_dist_node_nodeid_seq');
    INSERT INTO pg_catalog.pg_dist_node (nodeid, groupid, nodename, nodeport, hasmetadata, isactive, noderole,
                                         nodecluster, metadatasynced, shouldhaveshards, nodeisclone,
                                         nodeprimarynodeid)
    VALUES (v_nodeid, nextval('pg_catalog.pg_dist_groupid_seq'), p_host, p_port, false, false, 'unavailable',
            p_primary.nodecluster, false, false, true, p_primary.nodeid);
    PERFORM citus_internal.emulator_sync_node_list();
    PERFORM citus_internal.emulator_mark_node_metadata_modified();
    RETURN v_nodeid;
END $$;

CREATE FUNCTION pg_catalog.citus_add_clone_node(replica_hostname text, replica_port integer,
                                                primary_hostname text, primary_port integer)
    RETURNS integer LANGUAGE plpgsql VOLATILE STRICT
    AS $$
DECLARE
    v_primary pg_catalog.pg_dist_node;
BEGIN
    PERFORM citus_internal.emulator_check_version();
    PERFORM citus_internal.emulator_ensure_superuser();
    PERFORM citus_internal.emulator_ensure_coordinator();
    SELECT * INTO v_primary FROM pg_catalog.pg_dist_node n
     WHERE n.nodename = primary_hostname AND n.nodeport = primary_port;
    IF NOT FOUND THEN
        PERFORM citus_internal.emulator_error(
            format('primary node %s:%s not found in pg_dist_node', primary_hostname, primary_port),
            NULL, NULL, '55000');
    END IF;
    RETURN citus_internal.emulator_add_clone_node(v_primary, replica_hostname, replica_port);
END $$;
COMMENT ON FUNCTION pg_catalog.citus_add_clone_node(text, integer, text, integer) IS
'Adds a new node as a clone of an existing primary node. The clone is initially inactive. Returns the nodeid of the new clone node.';
REVOKE ALL ON FUNCTION pg_catalog.citus_add_clone_node(text, int, text, int) FROM PUBLIC;

CREATE FUNCTION pg_catalog.citus_add_clone_node_with_nodeid(replica_hostname text, replica_port integer,
                                                            primary_nodeid integer)
    RETURNS integer LANGUAGE plpgsql VOLATILE STRICT
    AS $$
DECLARE
    v_primary pg_catalog.pg_dist_node;
BEGIN
    PERFORM citus_internal.emulator_check_version();
    PERFORM citus_internal.emulator_ensure_superuser();
    PERFORM citus_internal.emulator_ensure_coordinator();
    -- FindNodeWithNodeId: the active readable nodes only
    SELECT * INTO v_primary FROM pg_catalog.pg_dist_node n
     WHERE n.nodeid = primary_nodeid AND n.isactive
       AND (n.noderole = 'primary'
            OR (n.noderole = 'secondary' AND current_setting('citus.use_secondary_nodes') = 'always'));
    IF NOT FOUND THEN
        PERFORM citus_internal.emulator_error(format('node with node id %s could not be found', primary_nodeid));
    END IF;
    RETURN citus_internal.emulator_add_clone_node(v_primary, replica_hostname, replica_port);
END $$;
COMMENT ON FUNCTION pg_catalog.citus_add_clone_node_with_nodeid(text, integer, integer) IS
'Adds a new node as a clone of an existing primary node using the primary node''s ID. The clone is initially inactive. Returns the nodeid of the new clone node.';
REVOKE ALL ON FUNCTION pg_catalog.citus_add_clone_node_with_nodeid(text, int, int) FROM PUBLIC;

-- RemoveCloneNode: only a clone that is not active; then what citus_remove_node does for a non-primary node
CREATE FUNCTION citus_internal.emulator_remove_clone_node(p_clone pg_catalog.pg_dist_node)
    RETURNS void LANGUAGE plpgsql
    AS $$
BEGIN
    IF NOT p_clone.nodeisclone THEN
        PERFORM citus_internal.emulator_error(
            format('Node %s:%s (ID %s) is not a clone node. '
                   'Use citus_remove_node() to remove primary or already promoted nodes.',
                   p_clone.nodename, p_clone.nodeport, p_clone.nodeid), NULL, NULL, '55000');
    END IF;
    IF p_clone.isactive THEN
        PERFORM citus_internal.emulator_error(
            format('Clone node %s:%s (ID %s) is marked as active and cannot be removed with this function. '
                   'This might indicate a promoted clone. Consider using citus_remove_node() if you are sure, '
                   'or ensure it''s properly deactivated if it''s an unpromoted clone in an unexpected state.',
                   p_clone.nodename, p_clone.nodeport, p_clone.nodeid), NULL, NULL, '55000');
    END IF;
    PERFORM citus_internal.emulator_notice(format('Removing inactive clone node %s:%s (ID %s)',
                                                  p_clone.nodename, p_clone.nodeport, p_clone.nodeid));
    LOCK TABLE pg_catalog.pg_dist_node IN EXCLUSIVE MODE;
    DELETE FROM pg_catalog.pg_dist_node n WHERE n.nodeid = p_clone.nodeid;
    PERFORM citus_internal.emulator_sync_node_list();
    PERFORM citus_internal.emulator_mark_node_metadata_modified();
END $$;

CREATE FUNCTION pg_catalog.citus_remove_clone_node(nodename text, nodeport integer)
    RETURNS void LANGUAGE plpgsql VOLATILE STRICT
    AS $$
DECLARE
    v_node pg_catalog.pg_dist_node;
BEGIN
    PERFORM citus_internal.emulator_check_version();
    PERFORM citus_internal.emulator_ensure_superuser();
    PERFORM citus_internal.emulator_ensure_coordinator();
    SELECT * INTO v_node FROM pg_catalog.pg_dist_node n WHERE n.nodename = $1 AND n.nodeport = $2;
    IF NOT FOUND THEN
        PERFORM citus_internal.emulator_error(format('node "%s:%s" does not exist', $1, $2), NULL, NULL, '55000');
    END IF;
    PERFORM citus_internal.emulator_remove_clone_node(v_node);
END $$;
COMMENT ON FUNCTION pg_catalog.citus_remove_clone_node(text, integer)
IS 'Removes an inactive streaming clone node from Citus metadata. Errors if the node is not found, not registered as a clone, or is currently marked active.';
REVOKE ALL ON FUNCTION pg_catalog.citus_remove_clone_node(text, integer) FROM PUBLIC;

CREATE FUNCTION pg_catalog.citus_remove_clone_node_with_nodeid(nodeid integer)
    RETURNS void LANGUAGE plpgsql VOLATILE STRICT
    AS $$
DECLARE
    v_node pg_catalog.pg_dist_node;
BEGIN
    PERFORM citus_internal.emulator_check_version();
    PERFORM citus_internal.emulator_ensure_superuser();
    PERFORM citus_internal.emulator_ensure_coordinator();
    SELECT * INTO v_node FROM pg_catalog.pg_dist_node n WHERE n.nodeid = $1;
    IF NOT FOUND THEN
        PERFORM citus_internal.emulator_error(format('Clone node with ID %s does not exist', $1), NULL, NULL, '55000');
    END IF;
    PERFORM citus_internal.emulator_remove_clone_node(v_node);
END $$;
COMMENT ON FUNCTION pg_catalog.citus_remove_clone_node_with_nodeid(integer)
IS 'Removes an inactive streaming clone node from Citus metadata using its node ID. Errors if the node is not found, not registered as a clone, or is currently marked active.';
REVOKE ALL ON FUNCTION pg_catalog.citus_remove_clone_node_with_nodeid(integer) FROM PUBLIC;

-- GetPrimaryCloneSplitRebalanceSteps: the shard groups on the primary (one anchor shard per colocation group, of
-- the group's first table, as NonColocatedDistRelationIdList picks it), by cost (every shard group costs the
-- same in the emulator: sizes are unknown), then shard id; a group goes to the clone while that narrows the
-- difference between the two nodes' costs (roughly half of them, the lower shard ids first)
CREATE FUNCTION citus_internal.emulator_clone_split(p_primary pg_catalog.pg_dist_node, p_strategy name,
                                                     OUT shardid bigint, OUT to_clone boolean)
    RETURNS SETOF record LANGUAGE plpgsql
    AS $$
DECLARE
    v_source float4;
    v_target float4 := 0;
    v_shard bigint;
BEGIN
    IF p_strategy IS NULL THEN
        PERFORM 1 FROM pg_catalog.pg_dist_rebalance_strategy WHERE default_strategy;
        IF NOT FOUND THEN
            PERFORM citus_internal.emulator_error(
                'no rebalance_strategy was provided, but there is also no default strategy set');
        END IF;
    ELSE
        PERFORM 1 FROM pg_catalog.pg_dist_rebalance_strategy WHERE name = p_strategy;
        IF NOT FOUND THEN
            PERFORM citus_internal.emulator_error(format('could not find rebalance strategy with name %s', p_strategy));
        END IF;
    END IF;
    CREATE TEMP TABLE IF NOT EXISTS emulator_split_shards (shardid bigint) ON COMMIT DROP;
    TRUNCATE pg_temp.emulator_split_shards;
    INSERT INTO pg_temp.emulator_split_shards
    SELECT DISTINCT pl.shardid
      FROM (SELECT DISTINCT ON (CASE WHEN p.colocationid = 0 THEN -p.logicalrelid::oid::bigint
                                     ELSE p.colocationid END) p.logicalrelid
              FROM pg_catalog.pg_dist_partition p
             WHERE p.partmethod IN ('h', 'a', 'r') OR (p.partmethod = 'n' AND p.repmodel = 's' AND p.colocationid <> 0)
             ORDER BY CASE WHEN p.colocationid = 0 THEN -p.logicalrelid::oid::bigint ELSE p.colocationid END,
                      p.ctid) t
      JOIN pg_catalog.pg_dist_shard s ON s.logicalrelid = t.logicalrelid
      JOIN pg_catalog.pg_dist_placement pl ON pl.shardid = s.shardid
     WHERE pl.groupid = p_primary.groupid AND pl.shardstate = 1;
    SELECT count(*)::float4 INTO v_source FROM pg_temp.emulator_split_shards;
    FOR v_shard IN SELECT e.shardid FROM pg_temp.emulator_split_shards e ORDER BY e.shardid LOOP
        shardid := v_shard;
        to_clone := abs((v_source - 1) - (v_target + 1)) < abs(v_source - v_target);
        IF to_clone THEN
            v_source := v_source - 1;
            v_target := v_target + 1;
        END IF;
        RETURN NEXT;
    END LOOP;
END $$;

-- the shards of the shard group of p_shardid (ColocatedShardIntervalList), by shard id: the shards of the colocated
-- tables with the same range (one shard of an append or range table, or of a table without a colocation group)
CREATE FUNCTION citus_internal.emulator_colocated_shards(p_shardid bigint)
    RETURNS SETOF pg_catalog.pg_dist_shard LANGUAGE sql STABLE
    AS $$
    SELECT s2.* FROM pg_catalog.pg_dist_shard s
      JOIN pg_catalog.pg_dist_partition p ON p.logicalrelid = s.logicalrelid
      JOIN pg_catalog.pg_dist_partition p2
        ON CASE WHEN p.partmethod IN ('a', 'r') OR p.colocationid = 0 THEN p2.logicalrelid = p.logicalrelid
                ELSE p2.colocationid = p.colocationid END
      JOIN pg_catalog.pg_dist_shard s2
        ON s2.logicalrelid = p2.logicalrelid
       AND (s2.shardid = s.shardid
            OR (p.partmethod NOT IN ('a', 'r') AND p.colocationid <> 0
                AND s2.shardminvalue IS NOT DISTINCT FROM s.shardminvalue))
     WHERE s.shardid = p_shardid
     ORDER BY s2.shardid
$$;

CREATE FUNCTION pg_catalog.get_snapshot_based_node_split_plan(primary_node_name text, primary_node_port integer,
                                                              replica_node_name text, replica_node_port integer,
                                                              rebalance_strategy name DEFAULT NULL)
    RETURNS TABLE (table_name regclass, shardid bigint, shard_size bigint, placement_node text)
    LANGUAGE plpgsql VOLATILE
    AS $$
DECLARE
    v_primary pg_catalog.pg_dist_node;
    v_clone pg_catalog.pg_dist_node;
BEGIN
    PERFORM citus_internal.emulator_check_version();
    -- FindWorkerNodeOrError, both nodes (the arguments are read as given: NULL ones as empty and 0)
    SELECT * INTO v_primary FROM pg_catalog.pg_dist_node n
     WHERE n.nodename = coalesce(primary_node_name, '') AND n.nodeport = coalesce(primary_node_port, 0)
       AND n.nodecluster = 'default';
    IF NOT FOUND THEN
        PERFORM citus_internal.emulator_error(format('node %s:%s not found', coalesce(primary_node_name, ''),
                                                     coalesce(primary_node_port, 0)), NULL, NULL, 'P0002');
    END IF;
    SELECT * INTO v_clone FROM pg_catalog.pg_dist_node n
     WHERE n.nodename = coalesce(replica_node_name, '') AND n.nodeport = coalesce(replica_node_port, 0)
       AND n.nodecluster = 'default';
    IF NOT FOUND THEN
        PERFORM citus_internal.emulator_error(format('node %s:%s not found', coalesce(replica_node_name, ''),
                                                     coalesce(replica_node_port, 0)), NULL, NULL, 'P0002');
    END IF;
    IF NOT v_clone.nodeisclone OR v_clone.nodeprimarynodeid = 0 THEN
        PERFORM citus_internal.emulator_error(
            format('Node %s:%s (ID %s) is not a valid clone or its primary node ID is not set.',
                   v_clone.nodename, v_clone.nodeport, v_clone.nodeid), NULL, NULL, '55000');
    END IF;
    IF v_primary.nodeisclone THEN
        PERFORM citus_internal.emulator_error(
            format('Primary node %s:%s (ID %s) is itself a replica.',
                   v_primary.nodename, v_primary.nodeport, v_primary.nodeid), NULL, NULL, '55000');
    END IF;
    IF v_primary.nodeid <> v_clone.nodeprimarynodeid THEN
        PERFORM citus_internal.emulator_error(
            format('Clone node %s:%s (ID %s) is not a clone of the primary node %s:%s (ID %s).',
                   v_clone.nodename, v_clone.nodeport, v_clone.nodeid,
                   v_primary.nodename, v_primary.nodeport, v_primary.nodeid), NULL, NULL, '55000');
    END IF;
    -- the shards that stay on the primary first, then those for the clone, each with its shard group
    RETURN QUERY
    SELECT c.logicalrelid, c.shardid,
           (SELECT pl.shardlength FROM pg_catalog.pg_dist_placement pl
             WHERE pl.shardid = c.shardid AND pl.shardstate = 1 ORDER BY pl.placementid LIMIT 1),
           CASE WHEN split.to_clone THEN 'Clone Node' ELSE 'Primary Node' END
      FROM citus_internal.emulator_clone_split(v_primary, rebalance_strategy) WITH ORDINALITY AS split(shardid, to_clone, n)
      CROSS JOIN LATERAL citus_internal.emulator_colocated_shards(split.shardid) c
     ORDER BY split.to_clone, split.n, c.shardid;
END $$;
COMMENT ON FUNCTION pg_catalog.get_snapshot_based_node_split_plan(text, int, text, int, name)
    IS 'shows the shard placements to balance shards between primary and replica worker nodes';
REVOKE ALL ON FUNCTION pg_catalog.get_snapshot_based_node_split_plan(text, int, text, int, name) FROM PUBLIC;

-- a pg_dist_cleanup record (InsertCleanupOnSuccessRecordInCurrentTransaction): drop the shard placement of every
-- shard of p_shardid's group on p_groupid once the operation succeeded
CREATE FUNCTION citus_internal.emulator_cleanup_shard_group_on(p_operation bigint, p_shardid bigint, p_groupid integer)
    RETURNS void LANGUAGE sql
    AS $$
    INSERT INTO pg_catalog.pg_dist_cleanup (record_id, operation_id, object_type, object_name, node_group_id,
                                            policy_type)
    SELECT nextval('pg_catalog.pg_dist_cleanup_recordid_seq'), p_operation, 1,
           quote_ident(n.nspname) || '.' || quote_ident(cl.relname || '_' || c.shardid), p_groupid, 2
      FROM citus_internal.emulator_colocated_shards(p_shardid) c
      JOIN pg_catalog.pg_class cl ON cl.oid = c.logicalrelid
      JOIN pg_catalog.pg_namespace n ON n.oid = cl.relnamespace
     ORDER BY c.shardid
$$;

CREATE FUNCTION pg_catalog.citus_promote_clone_and_rebalance(clone_nodeid integer,
                                                             rebalance_strategy name DEFAULT NULL,
                                                             catchup_timeout_seconds integer DEFAULT 300)
    RETURNS void LANGUAGE plpgsql VOLATILE
    AS $$
DECLARE
    v_clone pg_catalog.pg_dist_node;
    v_primary pg_catalog.pg_dist_node;
    v_id integer := coalesce(clone_nodeid, 0);
    v_timeout integer := coalesce(catchup_timeout_seconds, 300);
    v_job bigint;
    v_elapsed integer := 0;
    v_caught_up boolean := false;
    v_lag numeric;
    v_relation regclass;
    v_operation bigint;
    v_split record;
    v_shard record;
    v_nodeid integer;
BEGIN
    PERFORM citus_internal.emulator_ensure_superuser();
    PERFORM citus_internal.emulator_ensure_coordinator();
    LOCK TABLE pg_catalog.pg_dist_node IN ROW EXCLUSIVE MODE;
    SELECT * INTO v_clone FROM pg_catalog.pg_dist_node n WHERE n.nodeid = v_id;
    IF NOT FOUND THEN
        PERFORM citus_internal.emulator_error(format('Clone node with ID %s not found.', v_id), NULL, NULL, '55000');
    END IF;
    IF NOT v_clone.nodeisclone OR v_clone.nodeprimarynodeid = 0 THEN
        PERFORM citus_internal.emulator_error(
            format('Node %s:%s (ID %s) is not a valid clone or its primary node ID is not set.',
                   v_clone.nodename, v_clone.nodeport, v_clone.nodeid), NULL, NULL, '55000');
    END IF;
    IF v_clone.isactive THEN
        PERFORM citus_internal.emulator_error(
            format('Clone node %s:%s (ID %s) is already active and cannot be promoted.',
                   v_clone.nodename, v_clone.nodeport, v_clone.nodeid), NULL, NULL, '55000');
    END IF;
    SELECT * INTO v_primary FROM pg_catalog.pg_dist_node n WHERE n.nodeid = v_clone.nodeprimarynodeid;
    IF NOT FOUND THEN
        PERFORM citus_internal.emulator_error(
            format('Primary node with ID %s (for clone %s:%s) not found.',
                   v_clone.nodeprimarynodeid, v_clone.nodename, v_clone.nodeport), NULL, NULL, '55000');
    END IF;
    IF v_primary.nodeisclone THEN
        PERFORM citus_internal.emulator_error(
            format('Primary node %s:%s (ID %s) is itself a clone.',
                   v_primary.nodename, v_primary.nodeport, v_primary.nodeid), NULL, NULL, '55000');
    END IF;
    IF NOT v_primary.isactive THEN
        PERFORM citus_internal.emulator_error(
            format('Primary node %s:%s (ID %s) is not active.',
                   v_primary.nodename, v_primary.nodeport, v_primary.nodeid), NULL, NULL, '55000');
    END IF;

    -- EnsureSingleNodePromotion
    SELECT job_id INTO v_job FROM pg_catalog.pg_dist_background_job
     WHERE job_type = 'rebalance' AND state IN ('scheduled', 'running', 'cancelling', 'failing')
     ORDER BY job_id LIMIT 1;
    IF FOUND THEN
        -- the emulator's job "runs" until the next rebalance call looks at it
        PERFORM citus_internal.emulator_finish_rebalance_jobs();
        PERFORM citus_internal.emulator_error(format('A rebalance operation is already running as job %s', v_job),
            'A rebalance was already scheduled as background job',
            'To monitor progress, run: SELECT * FROM citus_rebalance_status();');
    END IF;
    PERFORM citus_internal.emulator_notice(format(
        'Starting promotion process for clone node %s:%s (ID %s), original primary %s:%s (ID %s)',
        v_clone.nodename, v_clone.nodeport, v_clone.nodeid, v_primary.nodename, v_primary.nodeport, v_primary.nodeid));
    PERFORM citus_internal.emulator_ensure_valid_clone_mode(v_primary, v_clone.nodename, v_clone.nodeport, 'promote');

    -- Step 1: block writes (Citus locks the primary's shards; the emulator's rows are in the coordinator's tables)
    PERFORM citus_internal.emulator_notice(format('Blocking writes on shards of original primary node %s:%s (group %s)',
                                                  v_primary.nodename, v_primary.nodeport, v_primary.groupid));
    PERFORM citus_internal.emulator_notice(format('Blocking all writes to worker node %s:%s (ID %s)',
                                                  v_primary.nodename, v_primary.nodeport, v_primary.nodeid));
    FOR v_relation IN SELECT DISTINCT s.logicalrelid FROM pg_catalog.pg_dist_placement pl
                        JOIN pg_catalog.pg_dist_shard s ON s.shardid = pl.shardid
                       WHERE pl.groupid = v_primary.groupid ORDER BY s.logicalrelid LOOP
        EXECUTE format('LOCK TABLE %s IN EXCLUSIVE MODE', v_relation);
    END LOOP;

    -- Step 2: wait for the clone to replay the primary's WAL (every 5 seconds, up to the timeout)
    PERFORM citus_internal.emulator_notice(format(
        'Waiting for clone %s:%s to catch up with primary %s:%s (timeout: %s seconds)',
        v_clone.nodename, v_clone.nodeport, v_primary.nodename, v_primary.nodeport, v_timeout));
    WHILE v_elapsed < v_timeout LOOP
        v_lag := citus_internal.emulator_node_value(v_primary.nodename, v_primary.nodeport,
                                                    'SELECT pg_current_wal_lsn()')::pg_lsn
                 - citus_internal.emulator_node_value(v_clone.nodename, v_clone.nodeport,
                                                      'SELECT pg_last_wal_replay_lsn()')::pg_lsn;
        IF v_lag = 0 THEN
            v_caught_up := true;
            EXIT;
        END IF;
        PERFORM pg_sleep(5);
        v_elapsed := v_elapsed + 5;
    END LOOP;
    IF NOT v_caught_up THEN
        PERFORM citus_internal.emulator_error(
            format('Clone %s:%s failed to catch up with primary %s:%s within %s seconds.',
                   v_clone.nodename, v_clone.nodeport, v_primary.nodename, v_primary.nodeport, v_timeout),
            NULL, NULL, '55000');
    END IF;
    PERFORM citus_internal.emulator_notice(format('Clone %s:%s is now caught up with primary %s:%s.',
        v_clone.nodename, v_clone.nodeport, v_primary.nodename, v_primary.nodeport));

    -- Step 3: pg_promote() on the clone (its result is not looked at), then pg_is_in_recovery()
    PERFORM citus_internal.emulator_notice(format('Attempting to promote clone %s:%s via pg_promote().',
                                                  v_clone.nodename, v_clone.nodeport));
    PERFORM citus_internal.emulator_node_value(v_clone.nodename, v_clone.nodeport,
                                               'SELECT pg_promote(wait := true);', false);
    IF citus_internal.emulator_node_value(v_clone.nodename, v_clone.nodeport, 'SELECT pg_is_in_recovery();') = 't' THEN
        PERFORM citus_internal.emulator_error(
            format('Failed to promote clone %s:%s (ID %s). It is still in recovery.',
                   v_clone.nodename, v_clone.nodeport, v_clone.nodeid), NULL, NULL, '55000');
    END IF;
    PERFORM citus_internal.emulator_notice(format('Clone node %s:%s (ID %s) has been successfully promoted.',
                                                  v_clone.nodename, v_clone.nodeport, v_clone.nodeid));

    -- Step 4: ActivateCloneNodeAsPrimary, then SyncNodeMetadataToNodes (each metadata worker gets its group id
    -- and the node list: the promoted clone still had its primary's)
    PERFORM citus_internal.emulator_notice(format('Updating metadata for promoted clone %s:%s (ID %s)',
                                                  v_clone.nodename, v_clone.nodeport, v_clone.nodeid));
    UPDATE pg_catalog.pg_dist_node n
       SET noderole = 'primary', isactive = true, nodeisclone = false, nodeprimarynodeid = 0, hasmetadata = true,
           metadatasynced = true, shouldhaveshards = true
     WHERE n.nodeid = v_clone.nodeid;
    FOR v_nodeid IN SELECT n.nodeid FROM pg_catalog.pg_dist_node n
                     WHERE n.isactive AND n.noderole = 'primary' AND n.groupid <> 0 AND n.hasmetadata
                     ORDER BY n.nodeid LOOP
        UPDATE pg_catalog.pg_dist_node n SET metadatasynced = true WHERE n.nodeid = v_nodeid;
        PERFORM citus_internal.emulator_remote(v_nodeid,
            format('BEGIN; UPDATE pg_catalog.pg_dist_local_group SET groupid = %s; %s; COMMIT',
                   (SELECT n.groupid FROM pg_catalog.pg_dist_node n WHERE n.nodeid = v_nodeid),
                   citus_internal.emulator_node_list_command()));
    END LOOP;

    -- Step 5: SplitShardsBetweenPrimaryAndClone / AdjustShardsForPrimaryCloneNodeSplit: metadata only (the clone
    -- has every shard already); each node's copy of the other's shards is left to the deferred cleanup
    PERFORM citus_internal.emulator_check_version();
    CREATE TEMP TABLE IF NOT EXISTS emulator_split (shardid bigint, to_clone boolean) ON COMMIT DROP;
    TRUNCATE pg_temp.emulator_split;
    INSERT INTO pg_temp.emulator_split SELECT * FROM citus_internal.emulator_clone_split(v_primary, rebalance_strategy);
    PERFORM citus_internal.emulator_notice(format('adjusting shard placements for primary %s:%s and clone %s:%s',
        v_primary.nodename, v_primary.nodeport, v_clone.nodename, v_clone.nodeport));
    v_operation := nextval('pg_catalog.pg_dist_operationid_seq');
    PERFORM citus_internal.emulator_notice(format('processing %s shards for primary node GroupID %s',
        (SELECT count(*) FROM pg_temp.emulator_split WHERE NOT to_clone), v_primary.groupid));
    FOR v_split IN SELECT * FROM pg_temp.emulator_split WHERE NOT to_clone ORDER BY shardid LOOP
        PERFORM citus_internal.emulator_cleanup_shard_group_on(v_operation, v_split.shardid, v_clone.groupid);
    END LOOP;
    PERFORM citus_internal.emulator_notice(format('processing %s shards for clone node GroupID %s',
        (SELECT count(*) FROM pg_temp.emulator_split WHERE to_clone), v_clone.groupid));
    FOR v_split IN SELECT * FROM pg_temp.emulator_split WHERE to_clone ORDER BY shardid LOOP
        FOR v_shard IN SELECT * FROM citus_internal.emulator_colocated_shards(v_split.shardid) LOOP
            INSERT INTO pg_catalog.pg_dist_placement (shardid, shardstate, shardlength, groupid)
            SELECT v_shard.shardid, 1,
                   (SELECT pl.shardlength FROM pg_catalog.pg_dist_placement pl
                     WHERE pl.shardid = v_shard.shardid AND pl.shardstate = 1 ORDER BY pl.placementid LIMIT 1),
                   v_clone.groupid;
        END LOOP;
        DELETE FROM pg_catalog.pg_dist_placement pl
         WHERE pl.groupid = v_primary.groupid
           AND pl.shardid IN (SELECT c.shardid FROM citus_internal.emulator_colocated_shards(v_split.shardid) c);
        PERFORM citus_internal.emulator_cleanup_shard_group_on(v_operation, v_split.shardid, v_primary.groupid);
    END LOOP;
    -- reference tables: a placement on the clone (it has their rows already)
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition p WHERE p.partmethod = 'n' AND p.repmodel = 't') THEN
        INSERT INTO pg_catalog.pg_dist_placement (shardid, shardstate, shardlength, groupid)
        SELECT s.shardid, 1, 0, v_clone.groupid
          FROM pg_catalog.pg_dist_partition p JOIN pg_catalog.pg_dist_shard s ON s.logicalrelid = p.logicalrelid
         WHERE p.partmethod = 'n' AND p.repmodel = 't'
         ORDER BY s.shardid;
        PERFORM citus_internal.emulator_notice(format(
            'shard placement adjustment complete for primary %s:%s and clone %s:%s',
            v_primary.nodename, v_primary.nodeport, v_clone.nodename, v_clone.nodeport));
    END IF;
    PERFORM citus_internal.emulator_mark_node_metadata_modified();
    PERFORM citus_internal.emulator_notice(format('Clone node %s:%s (ID %s) metadata updated. It is now a primary',
                                                  v_clone.nodename, v_clone.nodeport, v_clone.nodeid));
    PERFORM citus_internal.emulator_notice(format(
        'Clone node %s:%s (ID %s) successfully registered as a worker node',
        v_clone.nodename, v_clone.nodeport, v_clone.nodeid));
END $$;
COMMENT ON FUNCTION pg_catalog.citus_promote_clone_and_rebalance(integer, name, integer) IS
'Promotes a registered clone node to a primary, performs necessary metadata updates, and rebalances a portion of shards from its original primary to the newly promoted node. The catchUpTimeoutSeconds parameter controls how long to wait for the clone to catch up with the primary (default: 300 seconds).';
REVOKE ALL ON FUNCTION pg_catalog.citus_promote_clone_and_rebalance(integer, name, integer) FROM PUBLIC;

---------------------------------------------------------------------------
-- Table functions
---------------------------------------------------------------------------

-- ErrorIfUnsupportedConstraint of Citus: unique indexes, primary keys and exclusion
-- constraints must include the distribution column
CREATE FUNCTION citus_internal.emulator_check_constraints(p_relation regclass, p_attnum smallint)
    RETURNS void LANGUAGE plpgsql
    AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_index i
                WHERE i.indrelid = p_relation AND i.indisunique AND NOT p_attnum = ANY (i.indkey::smallint[]))
       OR EXISTS (SELECT 1 FROM pg_catalog.pg_constraint c
                   WHERE c.conrelid = p_relation AND c.contype = 'x' AND NOT p_attnum = ANY (c.conkey)) THEN
        PERFORM citus_internal.emulator_error(
            format('cannot create constraint on "%s"', (SELECT relname FROM pg_catalog.pg_class WHERE oid = p_relation)),
            'Distributed relations cannot have UNIQUE, EXCLUDE, or PRIMARY KEY constraints that do not include the '
            'partition column (with an equality operator if EXCLUDE).', NULL, '0A000');
    END IF;
END $$;

-- ErrorIfUnsupportedForeignKeyOrConstraint of Citus for the foreign keys a new Citus table has
-- (p_attnum NULL: a reference table; p_colocationid NULL: a new colocation group)
CREATE FUNCTION citus_internal.emulator_check_foreign_keys(p_relation regclass, p_attnum smallint,
                                                           p_colocationid integer)
    RETURNS void LANGUAGE plpgsql
    AS $$
DECLARE
    v_fk record;
    v_ref pg_catalog.pg_dist_partition;
    v_ref_attnum smallint;
BEGIN
    FOR v_fk IN SELECT c.* FROM pg_catalog.pg_constraint c
                 WHERE c.conrelid = p_relation AND c.contype = 'f' AND c.confrelid <> p_relation
                 ORDER BY c.oid LOOP
        SELECT * INTO v_ref FROM pg_catalog.pg_dist_partition WHERE logicalrelid::oid = v_fk.confrelid;
        IF p_attnum IS NULL THEN
            -- a reference table may only reference reference tables (and local tables, which Citus converts)
            IF FOUND AND v_ref.partmethod <> 'n' THEN
                PERFORM citus_internal.emulator_error(
                    'cannot create foreign key constraint since foreign keys from reference tables and local tables '
                    'to distributed tables are not supported',
                    'Reference tables and local tables can only have foreign keys to reference tables and local tables',
                    NULL, '0A000');
            END IF;
            CONTINUE;
        END IF;
        IF NOT FOUND OR (v_ref.partmethod = 'n' AND v_ref.colocationid = 0) THEN
            PERFORM citus_internal.emulator_error(
                format('referenced table "%s" must be a distributed table or a reference table',
                       (SELECT relname FROM pg_catalog.pg_class WHERE oid = v_fk.confrelid)),
                'To enforce foreign keys, the referencing and referenced rows need to be stored on the same node.',
                format('You could use SELECT create_reference_table(''%s'') to replicate the referenced table to all '
                       'nodes or consider dropping the foreign key', v_fk.confrelid::regclass), '42P16');
        END IF;
        CONTINUE WHEN v_ref.repmodel = 't';
        IF p_colocationid IS NULL OR v_ref.colocationid <> p_colocationid THEN
            PERFORM citus_internal.emulator_error(
                'cannot create foreign key constraint since relations are not colocated or not referencing a '
                'reference table',
                'A distributed table can only have foreign keys if it is referencing another colocated hash '
                'distributed table or a reference table', NULL, '0A000');
        END IF;
        v_ref_attnum := substring(v_ref.partkey from ':varattno (-?[0-9]+)')::smallint;
        IF NOT EXISTS (SELECT 1 FROM generate_subscripts(v_fk.conkey, 1) AS i
                        WHERE v_fk.conkey[i] = p_attnum AND v_fk.confkey[i] = v_ref_attnum) THEN
            PERFORM citus_internal.emulator_error('cannot create foreign key constraint',
                'Foreign keys are supported in two cases, either in between two colocated tables including partition '
                'column in the same ordinal in the both tables or from distributed to reference tables', NULL, '0A000');
        END IF;
    END LOOP;
END $$;

-- removes the metadata of a Citus local table (no-op for any other table)
CREATE FUNCTION citus_internal.emulator_forget_citus_local_table(p_relation regclass)
    RETURNS void LANGUAGE plpgsql
    AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition
                WHERE logicalrelid = p_relation AND partmethod = 'n' AND colocationid = 0 AND repmodel = 's') THEN
        PERFORM citus_internal.emulator_delete_table_metadata(p_relation);
    END IF;
END $$;

-- CreateDistributedTable / CreateSingleShardTable of Citus, metadata only
CREATE FUNCTION citus_internal.emulator_distribute(p_relation regclass, p_column text, p_shard_count integer,
                                                   p_shard_count_strict boolean, p_colocate_with text,
                                                   p_copy_notice boolean DEFAULT true)
    RETURNS void LANGUAGE plpgsql
    AS $$
DECLARE
    v_relname text := (SELECT relname FROM pg_catalog.pg_class WHERE oid = p_relation);
    v_att pg_catalog.pg_attribute;
    v_type oid := 0;
    v_collation oid := 0;
    v_rf integer := current_setting('citus.shard_replication_factor')::integer;
    v_repmodel "char";
    v_colocationid integer;
    v_source regclass;
    v_source_part pg_catalog.pg_dist_partition;
    v_source_type oid;
    v_nodes pg_catalog.pg_dist_node[];
    v_count integer;
    v_increment bigint;
    v_min bigint;
    v_max bigint;
    v_shardid bigint;
    v_source_shard record;
    v_single boolean := p_column IS NULL;
    v_has_rows boolean;
BEGIN
    -- a Citus local table (e.g. added automatically for a foreign key to a reference table) may be distributed
    PERFORM citus_internal.emulator_forget_citus_local_table(p_relation);
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition WHERE logicalrelid = p_relation) THEN
        PERFORM citus_internal.emulator_error(format('table "%s" is already distributed', v_relname),
                                              NULL, NULL, '42P16');
    END IF;
    IF (SELECT relpersistence FROM pg_catalog.pg_class WHERE oid = p_relation) = 't' THEN
        PERFORM citus_internal.emulator_error('cannot distribute a temporary table', NULL, NULL, '0A000');
    END IF;
    IF (SELECT relkind FROM pg_catalog.pg_class WHERE oid = p_relation) NOT IN ('r', 'p') THEN
        PERFORM citus_internal.emulator_not_supported('distributing a relation that is not a table');
    END IF;

    IF NOT v_single THEN
        SELECT * INTO v_att FROM pg_catalog.pg_attribute
         WHERE attrelid = p_relation AND attname = p_column AND attnum > 0 AND NOT attisdropped;
        IF NOT FOUND THEN
            PERFORM citus_internal.emulator_error(
                format('column "%s" of relation "%s" does not exist', p_column, v_relname), NULL, NULL, '42703');
        END IF;
        v_type := v_att.atttypid;
        v_collation := coalesce((SELECT typcollation FROM pg_catalog.pg_type WHERE oid = v_type), 0);
        IF v_rf > 1 THEN
            v_repmodel := 'c';
        ELSE
            v_repmodel := 's';
        END IF;
    ELSE
        IF v_rf > 1 THEN
            PERFORM citus_internal.emulator_error(
                'could not create single shard table: citus.shard_replication_factor is greater than 1',
                NULL, 'Consider setting citus.shard_replication_factor to 1 and try again');
        END IF;
        v_repmodel := 's';
        p_shard_count := 1;
    END IF;

    PERFORM citus_internal.emulator_insert_coordinator_if_cluster_empty();
    LOCK TABLE pg_catalog.pg_dist_colocation IN EXCLUSIVE MODE;

    -- colocation group
    IF lower(p_colocate_with) = 'default' THEN
        IF NOT v_single THEN
            SELECT c.colocationid INTO v_colocationid FROM pg_catalog.pg_dist_colocation c
             WHERE c.shardcount = p_shard_count AND c.replicationfactor = v_rf
               AND c.distributioncolumntype = v_type AND c.distributioncolumncollation = v_collation
             ORDER BY c.colocationid LIMIT 1;
        END IF;
    ELSIF lower(p_colocate_with) <> 'none' THEN
        v_source := p_colocate_with::regclass;
        SELECT * INTO v_source_part FROM pg_catalog.pg_dist_partition WHERE logicalrelid = v_source;
        IF NOT FOUND THEN
            PERFORM citus_internal.emulator_error(format('relation %s is not distributed', v_source));
        END IF;
        IF v_source_part.partmethod NOT IN ('h', 'n') OR v_source_part.colocationid = 0 THEN
            PERFORM citus_internal.emulator_error('cannot distribute relation',
                'Currently, colocate_with option is not supported with append / range distributed tables '
                'and local tables added to metadata.', NULL, '0A000');
        END IF;
        IF v_source_part.repmodel <> v_repmodel THEN
            PERFORM citus_internal.emulator_error(
                format('cannot colocate tables %s and %s',
                       (SELECT relname FROM pg_catalog.pg_class WHERE oid = v_source), v_relname),
                format('Replication models don''t match for %s and %s.',
                       (SELECT relname FROM pg_catalog.pg_class WHERE oid = v_source), v_relname));
        END IF;
        v_source_type := coalesce((SELECT a.atttypid FROM pg_catalog.pg_attribute a
                                    WHERE a.attrelid = v_source
                                      AND a.attnum = substring(v_source_part.partkey from ':varattno (-?[0-9]+)')::int), 0);
        IF v_source_type <> v_type THEN
            PERFORM citus_internal.emulator_error(
                format('cannot colocate tables %s and %s',
                       (SELECT relname FROM pg_catalog.pg_class WHERE oid = v_source), v_relname),
                format('Distribution column types don''t match for %s and %s.',
                       (SELECT relname FROM pg_catalog.pg_class WHERE oid = v_source), v_relname));
        END IF;
        v_colocationid := v_source_part.colocationid;
    END IF;

    IF v_colocationid IS NOT NULL THEN
        -- shards follow an existing table of the group (CreateColocatedShards)
        SELECT p.logicalrelid INTO v_source FROM pg_catalog.pg_dist_partition p
         WHERE p.colocationid = v_colocationid ORDER BY p.logicalrelid LIMIT 1;
    ELSE
        -- a new colocation group is created before the checks below (its id is used up when they fail)
        v_colocationid := nextval('pg_catalog.pg_dist_colocationid_seq');
        INSERT INTO pg_catalog.pg_dist_colocation VALUES (v_colocationid, p_shard_count, v_rf, v_type, v_collation);
    END IF;

    IF NOT v_single THEN
        PERFORM citus_internal.emulator_check_constraints(p_relation, v_att.attnum);
        PERFORM citus_internal.emulator_check_foreign_keys(p_relation, v_att.attnum, v_colocationid);
    END IF;
    PERFORM citus_internal.emulator_ensure_reference_tables_on_all_nodes();

    IF v_source IS NULL THEN
        v_nodes := ARRAY(SELECT n FROM citus_internal.emulator_placement_nodes() n);
        v_count := coalesce(array_length(v_nodes, 1), 0);
        IF v_count = 0 THEN
            PERFORM citus_internal.emulator_error('no worker nodes are available for placing shards',
                                                  NULL, 'Add more worker nodes.');
        END IF;
        IF v_rf > v_count THEN
            PERFORM citus_internal.emulator_error(
                format('replication_factor (%s) exceeds number of worker nodes (%s)', v_rf, v_count),
                NULL, 'Add more worker nodes or try again with a lower replication factor.', '22023');
        END IF;
    END IF;

    INSERT INTO pg_catalog.pg_dist_partition VALUES
        (p_relation, CASE WHEN v_single THEN 'n' ELSE 'h' END,
         CASE WHEN v_single THEN NULL ELSE citus_internal.emulator_partkey(p_relation, v_att.attnum) END,
         v_colocationid, v_repmodel, false);

    IF v_source IS NOT NULL THEN
        FOR v_source_shard IN SELECT * FROM pg_catalog.pg_dist_shard WHERE logicalrelid = v_source ORDER BY shardid
        LOOP
            v_shardid := nextval('pg_catalog.pg_dist_shardid_seq');
            INSERT INTO pg_catalog.pg_dist_shard VALUES
                (p_relation, v_shardid, 't', v_source_shard.shardminvalue, v_source_shard.shardmaxvalue);
            INSERT INTO pg_catalog.pg_dist_placement (shardid, shardstate, shardlength, groupid)
            SELECT v_shardid, 1, 0, pl.groupid FROM pg_catalog.pg_dist_placement pl
             WHERE pl.shardid = v_source_shard.shardid ORDER BY pl.placementid;
        END LOOP;
    ELSIF v_single THEN
        v_shardid := nextval('pg_catalog.pg_dist_shardid_seq');
        INSERT INTO pg_catalog.pg_dist_shard VALUES (p_relation, v_shardid, 't', NULL, NULL);
        INSERT INTO pg_catalog.pg_dist_placement (shardid, shardstate, shardlength, groupid)
        VALUES (v_shardid, 1, 0, (v_nodes[1 + (v_colocationid % v_count)]).groupid);
    ELSE
        v_increment := 4294967296 / p_shard_count;
        FOR i IN 0 .. p_shard_count - 1 LOOP
            v_min := -2147483648 + i * v_increment;
            v_max := v_min + v_increment - 1;
            IF i = p_shard_count - 1 THEN
                v_max := 2147483647;
            END IF;
            v_shardid := nextval('pg_catalog.pg_dist_shardid_seq');
            INSERT INTO pg_catalog.pg_dist_shard VALUES (p_relation, v_shardid, 't', v_min::text, v_max::text);
            FOR r IN 0 .. v_rf - 1 LOOP
                INSERT INTO pg_catalog.pg_dist_placement (shardid, shardstate, shardlength, groupid)
                VALUES (v_shardid, 1, 0, (v_nodes[1 + ((i + r) % v_count)]).groupid);
            END LOOP;
        END LOOP;
    END IF;

    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s)', p_relation) INTO v_has_rows;
    IF v_has_rows AND p_copy_notice THEN
        PERFORM citus_internal.emulator_notice('Copying data from local table...');
        PERFORM citus_internal.emulator_notice('copying the data has completed',
            'The local data in the table is no longer visible, but is still on disk.',
            format('To remove the local data, run: SELECT truncate_local_data_after_distributing_table(%1$s%2$s%1$s)',
                   repeat(chr(36), 2), citus_internal.emulator_qualified_name(p_relation)));
    END IF;
END $$;

CREATE FUNCTION citus_internal.emulator_distribute_append_range(p_relation regclass, p_column text,
                                                               p_method citus.distribution_type, p_colocate_with text)
    RETURNS void LANGUAGE plpgsql
    AS $$
DECLARE
    v_relname text := (SELECT relname FROM pg_catalog.pg_class WHERE oid = p_relation);
    v_attnum smallint;
BEGIN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition WHERE logicalrelid = p_relation) THEN
        PERFORM citus_internal.emulator_error(format('table "%s" is already distributed', v_relname),
                                              NULL, NULL, '42P16');
    END IF;
    SELECT attnum INTO v_attnum FROM pg_catalog.pg_attribute
     WHERE attrelid = p_relation AND attname = p_column AND attnum > 0 AND NOT attisdropped;
    IF NOT FOUND THEN
        PERFORM citus_internal.emulator_error(
            format('column "%s" of relation "%s" does not exist', p_column, v_relname), NULL, NULL, '42703');
    END IF;
    PERFORM citus_internal.emulator_insert_coordinator_if_cluster_empty();
    IF lower(p_colocate_with) <> 'default' THEN
        PERFORM citus_internal.emulator_error('cannot distribute relation',
            'Currently, colocate_with option is not supported for append / range distributed tables.', NULL, '0A000');
    END IF;
    IF p_method = 'append' AND (EXISTS (SELECT 1 FROM pg_catalog.pg_index WHERE indrelid = p_relation AND indisunique)
                                OR EXISTS (SELECT 1 FROM pg_catalog.pg_constraint
                                            WHERE conrelid = p_relation AND contype = 'x')) THEN
        PERFORM citus_internal.emulator_raise('WARNING', '0A000',
            format('table "%s" has a UNIQUE or EXCLUDE constraint', v_relname),
            'UNIQUE constraints, EXCLUDE constraints, and PRIMARY KEYs on append-partitioned tables cannot be enforced.',
            'Consider using hash partitioning.');
    END IF;
    PERFORM citus_internal.emulator_check_constraints(p_relation, v_attnum);
    INSERT INTO pg_catalog.pg_dist_partition VALUES
        (p_relation, CASE WHEN p_method = 'range' THEN 'r' ELSE 'a' END,
         citus_internal.emulator_partkey(p_relation, v_attnum), 0, 'c', false);
END $$;

CREATE FUNCTION pg_catalog.create_distributed_table(table_name regclass, distribution_column text,
                                                    distribution_type citus.distribution_type DEFAULT 'hash',
                                                    colocate_with text DEFAULT 'default',
                                                    shard_count int DEFAULT NULL)
    RETURNS void LANGUAGE plpgsql
    AS $$
DECLARE
    v_shard_count integer;
BEGIN
    PERFORM citus_internal.emulator_check_version();
    IF table_name IS NULL OR colocate_with IS NULL THEN
        RETURN;
    END IF;
    IF distribution_column IS NOT NULL THEN
        IF distribution_type IS NULL THEN
            RETURN;
        END IF;
        v_shard_count := current_setting('citus.shard_count')::integer;
        IF shard_count IS NOT NULL THEN
            IF lower(colocate_with) NOT IN ('default', 'none') THEN
                PERFORM citus_internal.emulator_error(
                    'Cannot use colocate_with with a table and shard_count at the same time');
            END IF;
            v_shard_count := shard_count;
        END IF;
        IF v_shard_count < 1 OR v_shard_count > 64000 THEN
            PERFORM citus_internal.emulator_error(
                format('%s is outside the valid range for parameter "shard_count" (1 .. 64000)', v_shard_count));
        END IF;
        IF distribution_type <> 'hash' THEN
            -- append / range: metadata only, without shards (Citus creates none either)
            PERFORM citus_internal.emulator_distribute_append_range(table_name, distribution_column,
                                                                    distribution_type, colocate_with);
            RETURN;
        END IF;
        PERFORM citus_internal.emulator_distribute(table_name, distribution_column, v_shard_count,
                                                   shard_count IS NOT NULL, colocate_with);
    ELSE
        IF shard_count IS NOT NULL THEN
            PERFORM citus_internal.emulator_error(
                'shard_count can''t be specified when the distribution column is null because in that case '
                'it''s automatically set to 1');
        END IF;
        IF distribution_type IS NOT NULL AND distribution_type <> 'hash' THEN
            PERFORM citus_internal.emulator_error(
                'distribution_type can''t be specified when the distribution column is null ');
        END IF;
        PERFORM citus_internal.emulator_distribute(table_name, NULL, 1, false, colocate_with);
    END IF;
END $$;
COMMENT ON FUNCTION pg_catalog.create_distributed_table(regclass, text, citus.distribution_type, text, int)
    IS 'creates a distributed table';

-- RelationCanPublishAllModifications of Citus
CREATE FUNCTION citus_internal.emulator_has_replica_identity(p_relation regclass)
    RETURNS boolean LANGUAGE sql STABLE
    AS $$
    SELECT EXISTS (
        SELECT 1 FROM pg_catalog.pg_class c
         WHERE c.oid = p_relation
           AND (c.relreplident = 'f'
                OR (c.relreplident = 'd' AND EXISTS (SELECT 1 FROM pg_catalog.pg_index i
                                                      WHERE i.indrelid = c.oid AND i.indisprimary))
                OR (c.relreplident = 'i' AND EXISTS (SELECT 1 FROM pg_catalog.pg_index i
                                                      WHERE i.indrelid = c.oid AND i.indisreplident))))
$$;

-- citus_add_local_table_to_metadata's metadata: a Citus local table with one shard on the coordinator
CREATE FUNCTION citus_internal.emulator_add_local_table_to_metadata(p_relation regclass)
    RETURNS void LANGUAGE plpgsql
    AS $$
DECLARE
    v_shardid bigint;
BEGIN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition WHERE logicalrelid = p_relation) THEN
        RETURN;
    END IF;
    INSERT INTO pg_catalog.pg_dist_partition VALUES (p_relation, 'n', NULL, 0, 's', false);
    v_shardid := nextval('pg_catalog.pg_dist_shardid_seq');
    INSERT INTO pg_catalog.pg_dist_shard VALUES (p_relation, v_shardid, 't', NULL, NULL);
    INSERT INTO pg_catalog.pg_dist_placement (shardid, shardstate, shardlength, groupid) VALUES (v_shardid, 1, 0, 0);
END $$;

CREATE FUNCTION pg_catalog.create_distributed_table_concurrently(table_name regclass,
                                                                 distribution_column text,
                                                                 distribution_type citus.distribution_type DEFAULT 'hash',
                                                                 colocate_with text DEFAULT 'default',
                                                                 shard_count int DEFAULT NULL)
    RETURNS void LANGUAGE plpgsql
    AS $$
DECLARE
    v_coordinator pg_catalog.pg_dist_node;
    v_plugins text;
    v_split_count integer;
BEGIN
    PERFORM citus_internal.emulator_check_version();
    IF table_name IS NULL OR distribution_type IS NULL OR colocate_with IS NULL THEN
        RETURN;
    END IF;
    IF distribution_column IS NULL THEN
        PERFORM citus_internal.emulator_error(
            'cannot use create_distributed_table_concurrently to create a distributed table with a null '
            'shard key, consider using create_distributed_table()');
    END IF;
    IF shard_count IS NOT NULL AND lower(colocate_with) NOT IN ('default', 'none') THEN
        PERFORM citus_internal.emulator_error(
            'Cannot use colocate_with with a table and shard_count at the same time');
    END IF;
    IF distribution_type <> 'hash' THEN
        PERFORM citus_internal.emulator_error(
            'only hash-distributed tables can be distributed without blocking writes', NULL, NULL, '0A000');
    END IF;
    IF current_setting('citus.shard_replication_factor')::integer > 1 THEN
        PERFORM citus_internal.emulator_error(
            'cannot distribute a table concurrently when citus.shard_replication_factor > 1');
    END IF;
    -- Citus runs it in several transactions: refuse a transaction block as Citus does
    IF shard_count IS NOT NULL AND (shard_count < 1 OR shard_count > 64000) THEN
        PERFORM citus_internal.emulator_error(
            format('%s is outside the valid range for parameter "shard_count" (1 .. 64000)', shard_count));
    END IF;
    PERFORM citus_internal.emulator_prevent_transaction_block('create_distributed_table_concurrently');
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute
                    WHERE attrelid = table_name AND attname = distribution_column AND attnum > 0
                      AND NOT attisdropped) THEN
        PERFORM citus_internal.emulator_error(
            format('column "%s" of relation "%s" does not exist', distribution_column,
                   (SELECT relname FROM pg_catalog.pg_class WHERE oid = table_name)), NULL, NULL, '42703');
    END IF;
    SELECT * INTO v_coordinator FROM pg_catalog.pg_dist_node WHERE groupid = 0 AND noderole = 'primary';
    -- Citus first makes the table a Citus local table (one shard on the coordinator) and commits that on its own,
    -- then splits that shard into the new ones
    IF FOUND AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition WHERE logicalrelid = table_name) THEN
        PERFORM citus_internal.emulator_loopback(format(
            'SELECT citus_internal.emulator_add_local_table_to_metadata(%s::regclass)', table_name::oid));
    END IF;
    IF NOT citus_internal.emulator_has_replica_identity(table_name) THEN
        PERFORM citus_internal.emulator_raise('NOTICE', '0A000',
            format('relation %s does not have a REPLICA IDENTITY or PRIMARY KEY',
                   (SELECT relname FROM pg_catalog.pg_class WHERE oid = table_name)),
            'UPDATE and DELETE commands on the relation will error out during create_distributed_table_concurrently '
            'unless there is a REPLICA IDENTITY or PRIMARY KEY. INSERT commands will still work.');
    END IF;
    -- the split decodes the shard's changes with Citus's "citus" output plugin, through a replication connection
    -- to the coordinator: from PostgreSQL 15.20 the server's output_plugin_libraries must list it (the setting of
    -- a new session counts, not this one's; older minors have no such setting)
    IF FOUND AND EXISTS (SELECT 1 FROM citus_internal.emulator_placement_nodes()) THEN
        v_plugins := citus_internal.emulator_remote_query(v_coordinator.nodename, v_coordinator.nodeport,
                         'SELECT pg_catalog.current_setting(''output_plugin_libraries'', true)',
                         citus_internal.emulator_authinfo(v_coordinator.nodename, v_coordinator.nodeport));
        IF v_plugins IS NOT NULL AND NOT coalesce(citus_internal.emulator_library_listed(v_plugins, 'citus'), false)
        THEN
            -- the ids of the new shards are taken before the replication slot is created
            v_split_count := coalesce(shard_count,
                (SELECT c.shardcount FROM pg_catalog.pg_dist_colocation c JOIN pg_catalog.pg_dist_partition p
                    ON p.colocationid = c.colocationid
                  WHERE lower(colocate_with) NOT IN ('default', 'none') AND p.logicalrelid = colocate_with::regclass),
                current_setting('citus.shard_count')::integer);
            PERFORM nextval('pg_catalog.pg_dist_shardid_seq') FROM generate_series(1, v_split_count);
            PERFORM citus_internal.emulator_raise('WARNING', '42501',
                'library "citus" may not be used as an output plugin', NULL,
                'If it is safe for all REPLICATION users to use this library as an output plugin, add it to '
                '"output_plugin_libraries" and reload the server configuration.',
                format('while executing command on %s:%s', v_coordinator.nodename, v_coordinator.nodeport));
            PERFORM citus_internal.emulator_raise('ERROR', 'XX000',
                E'ERROR:  library "citus" may not be used as an output plugin\nHINT:  If it is safe for all '
                'REPLICATION users to use this library as an output plugin, add it to "output_plugin_libraries" '
                'and reload the server configuration.', NULL, NULL,
                format('while executing command on %s:%s', v_coordinator.nodename, v_coordinator.nodeport));
        END IF;
    END IF;
    -- the split copies the rows: no "Copying data from local table..." notices
    PERFORM citus_internal.emulator_distribute(table_name, distribution_column,
                                               coalesce(shard_count, current_setting('citus.shard_count')::integer),
                                               shard_count IS NOT NULL, colocate_with, false);
END $$;
COMMENT ON FUNCTION pg_catalog.create_distributed_table_concurrently(regclass, text, citus.distribution_type, text, int)
    IS 'creates a distributed table and avoids blocking writes';

CREATE FUNCTION pg_catalog.create_reference_table(table_name regclass)
    RETURNS void LANGUAGE plpgsql STRICT
    AS $$
DECLARE
    v_relname text := (SELECT relname FROM pg_catalog.pg_class WHERE oid = table_name);
    v_colocationid integer;
    v_shardid bigint;
    v_has_rows boolean;
    v_local regclass;
BEGIN
    PERFORM citus_internal.emulator_check_version();
    PERFORM citus_internal.emulator_forget_citus_local_table(table_name);
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition WHERE logicalrelid = table_name) THEN
        PERFORM citus_internal.emulator_error(format('table "%s" is already distributed', v_relname),
                                              NULL, NULL, '42P16');
    END IF;
    IF (SELECT relkind FROM pg_catalog.pg_class WHERE oid = table_name) NOT IN ('r', 'p') THEN
        PERFORM citus_internal.emulator_not_supported('create_reference_table on a relation that is not a table');
    END IF;
    PERFORM citus_internal.emulator_check_foreign_keys(table_name, NULL, NULL);
    PERFORM citus_internal.emulator_insert_coordinator_if_cluster_empty();
    PERFORM citus_internal.emulator_ensure_reference_tables_on_all_nodes();
    LOCK TABLE pg_catalog.pg_dist_colocation IN EXCLUSIVE MODE;
    SELECT colocationid INTO v_colocationid FROM pg_catalog.pg_dist_colocation
     WHERE shardcount = 1 AND replicationfactor = -1 AND distributioncolumntype = 0
     ORDER BY colocationid LIMIT 1;
    IF NOT FOUND THEN
        v_colocationid := nextval('pg_catalog.pg_dist_colocationid_seq');
        INSERT INTO pg_catalog.pg_dist_colocation VALUES (v_colocationid, 1, -1, 0, 0);
    END IF;
    INSERT INTO pg_catalog.pg_dist_partition VALUES (table_name, 'n', NULL, v_colocationid, 't', false);
    v_shardid := nextval('pg_catalog.pg_dist_shardid_seq');
    INSERT INTO pg_catalog.pg_dist_shard VALUES (table_name, v_shardid, 't', NULL, NULL);
    INSERT INTO pg_catalog.pg_dist_placement (shardid, shardstate, shardlength, groupid)
    SELECT v_shardid, 1, 0, n.groupid FROM pg_catalog.pg_dist_node n
     WHERE n.isactive AND n.noderole = 'primary'
     ORDER BY n.nodename COLLATE "C", n.nodeport;

    -- local tables linked to the new reference table by foreign keys become Citus local tables
    -- (when the coordinator is in the metadata and citus.enable_local_reference_table_foreign_keys is on)
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_dist_node WHERE groupid = 0)
       AND coalesce(current_setting('citus.enable_local_reference_table_foreign_keys', true), 'on') <> 'off' THEN
        FOR v_local IN
            WITH RECURSIVE connected(relid) AS (
                SELECT table_name::oid
                UNION
                SELECT CASE WHEN c.conrelid = connected.relid THEN c.confrelid ELSE c.conrelid END
                  FROM connected JOIN pg_catalog.pg_constraint c
                    ON c.contype = 'f' AND (c.conrelid = connected.relid OR c.confrelid = connected.relid)
            )
            SELECT cl.oid::regclass FROM connected JOIN pg_catalog.pg_class cl ON cl.oid = connected.relid
             WHERE cl.relkind IN ('r', 'p') AND NOT cl.relispartition
               AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition p WHERE p.logicalrelid::oid = cl.oid)
             ORDER BY cl.oid
        LOOP
            INSERT INTO pg_catalog.pg_dist_partition VALUES (v_local, 'n', NULL, 0, 's', true);
            v_shardid := nextval('pg_catalog.pg_dist_shardid_seq');
            INSERT INTO pg_catalog.pg_dist_shard VALUES (v_local, v_shardid, 't', NULL, NULL);
            INSERT INTO pg_catalog.pg_dist_placement (shardid, shardstate, shardlength, groupid)
            VALUES (v_shardid, 1, 0, 0);
            PERFORM citus_internal.emulator_notice(
                'local tables that are added to metadata automatically by citus, but not chained with reference '
                'tables via foreign keys might be automatically converted back to postgres tables', NULL,
                format('Executing citus_add_local_table_to_metadata(%1$s%2$s%1$s) prevents this for the given '
                       'relation, and all of the connected relations', repeat(chr(36), 2),
                       citus_internal.emulator_qualified_name(v_local)));
        END LOOP;
    END IF;
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s)', table_name) INTO v_has_rows;
    IF v_has_rows THEN
        PERFORM citus_internal.emulator_notice('Copying data from local table...');
        PERFORM citus_internal.emulator_notice('copying the data has completed',
            'The local data in the table is no longer visible, but is still on disk.',
            format('To remove the local data, run: SELECT truncate_local_data_after_distributing_table(%1$s%2$s%1$s)',
                   repeat(chr(36), 2), citus_internal.emulator_qualified_name(table_name)));
    END IF;
END $$;
COMMENT ON FUNCTION pg_catalog.create_reference_table(regclass)
    IS 'create a distributed reference table';

CREATE FUNCTION citus_internal.emulator_prevent_transaction_block(p_what text)
    RETURNS void LANGUAGE plpgsql
    AS $$
BEGIN
    -- statement_timestamp() differs from transaction_timestamp() only inside a transaction block
    IF statement_timestamp() <> transaction_timestamp() THEN
        PERFORM citus_internal.emulator_error(format('%s cannot run inside a transaction block', p_what),
                                              NULL, NULL, '25001');
    END IF;
END $$;

-- the notices Citus prints when it rewrites a table (undistribute_table, alter_distributed_table)
CREATE FUNCTION citus_internal.emulator_conversion_notices(p_relation regclass)
    RETURNS void LANGUAGE plpgsql
    AS $$
DECLARE
    v_name text := citus_internal.emulator_qualified_name(p_relation);
BEGIN
    PERFORM citus_internal.emulator_notice(format('creating a new table for %s', v_name));
    PERFORM citus_internal.emulator_notice(format('moving the data of %s', v_name));
    PERFORM citus_internal.emulator_notice(format('dropping the old %s', v_name));
    PERFORM citus_internal.emulator_notice(format('renaming the new table to %s', v_name));
END $$;

CREATE FUNCTION pg_catalog.undistribute_table(table_name regclass, cascade_via_foreign_keys boolean DEFAULT false)
    RETURNS void LANGUAGE plpgsql STRICT
    AS $$
DECLARE
    v_rel regclass;
    v_foreign_key text;
BEGIN
    PERFORM citus_internal.emulator_check_version();
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition WHERE logicalrelid = table_name) THEN
        PERFORM citus_internal.emulator_error('cannot undistribute table because the table is not distributed');
    END IF;
    IF NOT cascade_via_foreign_keys THEN
        v_foreign_key := CASE
            WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_constraint WHERE contype = 'f' AND conrelid = table_name)
                THEN 'has a foreign key'
            WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_constraint WHERE contype = 'f' AND confrelid = table_name)
                THEN 'is referenced by a foreign key'
        END;
        IF v_foreign_key IS NOT NULL THEN
            PERFORM citus_internal.emulator_error(
                format('cannot complete operation because table %s %s',
                       (SELECT relname FROM pg_catalog.pg_class WHERE oid = table_name), v_foreign_key), NULL,
                format('Use cascade option to undistribute all the relations involved in a foreign key relationship '
                       'with %1$s by executing SELECT undistribute_table(%2$s%1$s%2$s, cascade_via_foreign_keys=>true)',
                       citus_internal.emulator_qualified_name(table_name), repeat(chr(36), 2)));
        END IF;
        PERFORM citus_internal.emulator_conversion_notices(table_name);
        PERFORM citus_internal.emulator_delete_table_metadata(table_name);
        RETURN;
    END IF;
    -- every Citus table connected to this one through foreign keys (either direction)
    FOR v_rel IN
        WITH RECURSIVE connected(relid) AS (
            SELECT table_name::oid
            UNION
            SELECT CASE WHEN c.conrelid = connected.relid THEN c.confrelid ELSE c.conrelid END
              FROM connected JOIN pg_catalog.pg_constraint c
                ON c.contype = 'f' AND (c.conrelid = connected.relid OR c.confrelid = connected.relid)
        )
        SELECT p.logicalrelid FROM connected JOIN pg_catalog.pg_dist_partition p ON p.logicalrelid::oid = connected.relid
         ORDER BY p.logicalrelid::oid = table_name::oid DESC, p.logicalrelid
    LOOP
        PERFORM citus_internal.emulator_conversion_notices(v_rel);
        PERFORM citus_internal.emulator_delete_table_metadata(v_rel);
    END LOOP;
END $$;
COMMENT ON FUNCTION pg_catalog.undistribute_table(regclass, boolean) IS 'undistributes a distributed table';

CREATE FUNCTION pg_catalog.alter_distributed_table(table_name regclass, distribution_column text DEFAULT NULL,
                                                   shard_count int DEFAULT NULL, colocate_with text DEFAULT NULL,
                                                   cascade_to_colocated boolean DEFAULT NULL)
    RETURNS void LANGUAGE plpgsql
    AS $$
DECLARE
    v_part pg_catalog.pg_dist_partition;
    v_column text;
    v_shard_count integer;
    v_new_column text;
    v_new_shard_count integer;
    v_new_colocate text;
    v_same_column boolean := false;
    v_same_shard_count boolean := false;
    v_same_colocate boolean := false;
    v_target regclass;
    v_colocated regclass[];
    v_rel regclass;
    v_columns text[] := '{}';
    v_rf text;
    v_target_type oid;
BEGIN
    PERFORM citus_internal.emulator_check_version();
    IF table_name IS NULL THEN
        RETURN;
    END IF;
    SELECT * INTO v_part FROM pg_catalog.pg_dist_partition WHERE logicalrelid = table_name;
    IF NOT FOUND OR v_part.partmethod <> 'h' THEN
        PERFORM citus_internal.emulator_error('cannot alter table because the table is not distributed');
    END IF;
    v_column := column_to_column_name(table_name, v_part.partkey);
    v_shard_count := (SELECT count(*) FROM pg_catalog.pg_dist_shard WHERE logicalrelid = table_name);
    v_colocated := ARRAY(SELECT logicalrelid FROM pg_catalog.pg_dist_partition
                          WHERE colocationid = v_part.colocationid ORDER BY logicalrelid);

    IF distribution_column IS NULL AND shard_count IS NULL AND colocate_with IS NULL
       AND cascade_to_colocated IS DISTINCT FROM true THEN
        PERFORM citus_internal.emulator_error('you have to specify at least one of the distribution_column, '
                                              'shard_count or colocate_with parameters');
    END IF;
    IF distribution_column IS NOT NULL AND distribution_column = v_column THEN
        v_same_column := true;
    END IF;
    IF shard_count IS NOT NULL AND shard_count = v_shard_count THEN
        v_same_shard_count := true;
    END IF;
    IF colocate_with IS NOT NULL AND lower(colocate_with) NOT IN ('default', 'none') THEN
        v_target := colocate_with::regclass;
        v_same_colocate := v_target = ANY (v_colocated);
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition WHERE logicalrelid = v_target AND partmethod = 'h') THEN
            PERFORM citus_internal.emulator_error(
                format('cannot colocate with %s because it is not a distributed table', colocate_with));
        END IF;
    END IF;
    IF shard_count = 0 THEN
        PERFORM citus_internal.emulator_error('shard_count cannot be 0', NULL,
            'if you no longer want this to be a distributed table you can try undistribute_table() function');
    END IF;
    IF cascade_to_colocated AND distribution_column IS NOT NULL THEN
        PERFORM citus_internal.emulator_error('distribution_column cannot be cascaded to colocated tables');
    END IF;
    IF cascade_to_colocated AND shard_count IS NULL AND colocate_with IS NULL THEN
        PERFORM citus_internal.emulator_error('shard_count or colocate_with is necessary for cascading to colocated tables');
    END IF;
    IF (distribution_column IS NULL OR v_same_column) AND (shard_count IS NULL OR v_same_shard_count)
       AND (colocate_with IS NULL OR v_same_colocate) THEN
        PERFORM citus_internal.emulator_error('this call doesn''t change any properties of the table', NULL,
                                              'check citus_tables view to see current properties of the table');
    END IF;
    IF cascade_to_colocated AND lower(colocate_with) = 'none' THEN
        PERFORM citus_internal.emulator_error('colocate_with := ''none'' cannot be cascaded to colocated tables');
    END IF;
    IF array_length(v_colocated, 1) > 1 AND shard_count IS NOT NULL AND NOT v_same_shard_count
       AND cascade_to_colocated IS NULL THEN
        PERFORM citus_internal.emulator_error('cascade_to_colocated parameter is necessary',
            'this table is colocated with some other tables',
            'cascade_to_colocated := false will break the current colocation, cascade_to_colocated := true '
            'will change the shard count of colocated tables too.');
    END IF;

    v_new_column := coalesce(distribution_column, v_column);
    v_new_shard_count := coalesce(shard_count, v_shard_count);
    v_new_colocate := coalesce(colocate_with, 'default');
    IF v_target IS NOT NULL THEN
        IF shard_count IS NOT NULL AND shard_count <> (SELECT count(*) FROM pg_catalog.pg_dist_shard WHERE logicalrelid = v_target) THEN
            PERFORM citus_internal.emulator_error(
                'shard_count cannot be different than the shard count of the table in colocate_with', NULL,
                'if no shard_count is specified shard count will be same with colocate_with table''s');
        END IF;
        v_target_type := (SELECT a.atttypid FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_dist_partition p
                             ON p.logicalrelid = a.attrelid
                          WHERE p.logicalrelid = v_target
                            AND a.attnum = substring(p.partkey from ':varattno (-?[0-9]+)')::int);
        IF distribution_column IS NOT NULL AND v_target_type IS DISTINCT FROM
               (SELECT atttypid FROM pg_catalog.pg_attribute WHERE attrelid = table_name AND attname = distribution_column) THEN
            PERFORM citus_internal.emulator_error(format('cannot colocate with %1$s and change distribution column to %2$s '
                'because data type of column %2$s is different then the distribution column of the %1$s',
                colocate_with, distribution_column));
        ELSIF distribution_column IS NULL AND v_target_type IS DISTINCT FROM
               (SELECT atttypid FROM pg_catalog.pg_attribute WHERE attrelid = table_name AND attname = v_column) THEN
            PERFORM citus_internal.emulator_error(format('cannot colocate with %s because data type of its distribution '
                'column is different than %s', colocate_with, (SELECT relname FROM pg_catalog.pg_class WHERE oid = table_name)));
        END IF;
        v_new_shard_count := NULL;
    END IF;
    -- notices for the parameters that change nothing
    IF v_same_column THEN
        PERFORM citus_internal.emulator_notice(format('table is already distributed by %s', distribution_column));
    END IF;
    IF v_same_shard_count THEN
        PERFORM citus_internal.emulator_notice(format('shard count of the table is already %s', shard_count));
    END IF;
    IF v_same_colocate THEN
        PERFORM citus_internal.emulator_notice(format('table is already colocated with %s', colocate_with));
    END IF;

    -- keep the replication factor the table was created with
    v_rf := current_setting('citus.shard_replication_factor');
    PERFORM set_config('citus.shard_replication_factor',
                       (SELECT replicationfactor::text FROM pg_catalog.pg_dist_colocation
                         WHERE colocationid = v_part.colocationid), true);
    IF cascade_to_colocated THEN
        -- every table of the group gets the new shard count (or group) and stays colocated
        FOREACH v_rel IN ARRAY v_colocated LOOP
            v_columns := v_columns || column_to_column_name(v_rel,
                (SELECT partkey FROM pg_catalog.pg_dist_partition WHERE logicalrelid = v_rel));
            PERFORM citus_internal.emulator_conversion_notices(v_rel);
            PERFORM citus_internal.emulator_delete_table_metadata(v_rel);
        END LOOP;
        FOR i IN 1 .. array_length(v_colocated, 1) LOOP
            IF i = 1 AND v_target IS NULL THEN
                PERFORM citus_internal.emulator_distribute(v_colocated[1], v_columns[1], v_new_shard_count,
                                                           true, 'none', false);
            ELSE
                PERFORM citus_internal.emulator_distribute(v_colocated[i], v_columns[i], 0, false,
                                                           coalesce(v_target, v_colocated[1])::text, false);
            END IF;
        END LOOP;
    ELSE
        PERFORM citus_internal.emulator_conversion_notices(table_name);
        PERFORM citus_internal.emulator_delete_table_metadata(table_name);
        IF v_target IS NOT NULL THEN
            PERFORM citus_internal.emulator_distribute(table_name, v_new_column, 0, false, v_target::text, false);
        ELSE
            PERFORM citus_internal.emulator_distribute(table_name, v_new_column, v_new_shard_count,
                                                       shard_count IS NOT NULL, v_new_colocate, false);
        END IF;
    END IF;
    PERFORM set_config('citus.shard_replication_factor', v_rf, true);
END $$;
COMMENT ON FUNCTION pg_catalog.alter_distributed_table(regclass, text, int, text, boolean)
    IS 'alters a distributed table';

CREATE FUNCTION pg_catalog.update_distributed_table_colocation(table_name regclass, colocate_with text)
    RETURNS void LANGUAGE plpgsql STRICT
    AS $$
DECLARE
    v_part pg_catalog.pg_dist_partition;
    v_target_part pg_catalog.pg_dist_partition;
    v_target regclass;
    v_colocation pg_catalog.pg_dist_colocation;
    v_new integer;
    v_name text := (SELECT relname FROM pg_catalog.pg_class WHERE oid = table_name);
    v_target_name text;
BEGIN
    SELECT * INTO v_part FROM pg_catalog.pg_dist_partition WHERE logicalrelid = table_name;
    IF NOT FOUND OR v_part.partkey IS NULL THEN
        PERFORM citus_internal.emulator_error(format('relation %s should be a hash or single shard distributed table',
                                                     v_name), NULL, NULL, '0A000');
    END IF;
    IF lower(colocate_with) = 'none' THEN
        SELECT * INTO v_colocation FROM pg_catalog.pg_dist_colocation WHERE colocationid = v_part.colocationid;
        v_new := nextval('pg_catalog.pg_dist_colocationid_seq');
        INSERT INTO pg_catalog.pg_dist_colocation VALUES (v_new, v_colocation.shardcount,
            v_colocation.replicationfactor, v_colocation.distributioncolumntype,
            v_colocation.distributioncolumncollation);
        UPDATE pg_catalog.pg_dist_partition SET colocationid = v_new WHERE logicalrelid = table_name;
        PERFORM citus_internal.emulator_drop_empty_colocation_groups();
        RETURN;
    END IF;
    v_target := colocate_with::regclass;
    v_target_name := (SELECT relname FROM pg_catalog.pg_class WHERE oid = v_target);
    SELECT * INTO v_target_part FROM pg_catalog.pg_dist_partition WHERE logicalrelid = v_target;
    IF NOT FOUND OR v_target_part.partkey IS NULL THEN
        PERFORM citus_internal.emulator_error(format('relation %s should be a hash or single shard distributed table',
                                                     v_target_name), NULL, NULL, '0A000');
    END IF;
    IF v_target_part.repmodel <> v_part.repmodel THEN
        PERFORM citus_internal.emulator_error(format('cannot colocate tables %s and %s', v_target_name, v_name),
            format('Replication models don''t match for %s and %s.', v_target_name, v_name));
    END IF;
    IF (SELECT atttypid FROM pg_catalog.pg_attribute WHERE attrelid = v_target
           AND attnum = substring(v_target_part.partkey from ':varattno (-?[0-9]+)')::int)
       <> (SELECT atttypid FROM pg_catalog.pg_attribute WHERE attrelid = table_name
           AND attnum = substring(v_part.partkey from ':varattno (-?[0-9]+)')::int) THEN
        PERFORM citus_internal.emulator_error(format('cannot colocate tables %s and %s', v_target_name, v_name),
            format('Distribution column types don''t match for %s and %s.', v_target_name, v_name));
    END IF;
    IF (SELECT count(*) FROM pg_catalog.pg_dist_shard WHERE logicalrelid = v_target)
       <> (SELECT count(*) FROM pg_catalog.pg_dist_shard WHERE logicalrelid = table_name) THEN
        PERFORM citus_internal.emulator_error(format('cannot colocate tables %s and %s', v_target_name, v_name),
            format('Shard counts don''t match for %s and %s.', v_target_name, v_name));
    END IF;
    IF EXISTS (
        SELECT 1
          FROM (SELECT row_number() OVER (ORDER BY shardid) AS i, * FROM pg_catalog.pg_dist_shard WHERE logicalrelid = v_target) l
          JOIN (SELECT row_number() OVER (ORDER BY shardid) AS i, * FROM pg_catalog.pg_dist_shard WHERE logicalrelid = table_name) r
            ON l.i = r.i
         WHERE l.shardminvalue IS DISTINCT FROM r.shardminvalue OR l.shardmaxvalue IS DISTINCT FROM r.shardmaxvalue) THEN
        PERFORM citus_internal.emulator_error(format('cannot colocate tables %s and %s', v_target_name, v_name),
            format('Shard intervals don''t match for %s and %s.', v_target_name, v_name));
    END IF;
    UPDATE pg_catalog.pg_dist_partition SET colocationid = v_target_part.colocationid WHERE logicalrelid = table_name;
    PERFORM citus_internal.emulator_drop_empty_colocation_groups();
END $$;
COMMENT ON FUNCTION pg_catalog.update_distributed_table_colocation(regclass, text)
    IS 'updates colocation of a table';

---------------------------------------------------------------------------
-- Rebalancer (metadata only: placements change group, no data moves)
---------------------------------------------------------------------------

-- the moves the rebalancer would make, one row per shard group (anchor shard), following
-- Citus's greedy algorithm (RebalancePlacementUpdates / FindAndMoveShardCost) with every
-- shard group costing the same and every node that should have shards a capacity of 1.
-- p_drain_group (citus_drain_node's node): the plan sees only that node's placements, as Citus's
-- GetRebalanceSteps does with RebalanceOptions.workerNode set (FilterActiveShardPlacementListByNode), so a
-- target that holds another placement of the shard looks free to it
CREATE FUNCTION citus_internal.emulator_rebalance_moves(p_relation regclass, p_threshold float4,
                                                        p_max_shard_moves integer, p_excluded bigint[],
                                                        p_drain_only boolean, p_strategy name,
                                                        p_improvement_threshold float4 DEFAULT NULL,
                                                        p_drain_group integer DEFAULT NULL)
    RETURNS TABLE (anchor_shardid bigint, source_groupid integer, target_groupid integer)
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_strategy pg_catalog.pg_dist_rebalance_strategy;
    v_threshold real;
    v_improvement real;
    v_allowed_count integer;
    v_state integer;
    v_moves integer := 0;
    v_avg real;
    v_lower real;
    v_upper real;
    v_src record;
    v_tgt record;
    v_shard record;
    v_new_tgt real;
    v_new_src real;
    v_found boolean;
    v_rf integer := current_setting('citus.shard_replication_factor')::integer;
BEGIN
    IF p_strategy IS NULL THEN
        SELECT * INTO v_strategy FROM pg_catalog.pg_dist_rebalance_strategy WHERE default_strategy;
        IF NOT FOUND THEN
            PERFORM citus_internal.emulator_error(
                'no rebalance_strategy was provided, but there is also no default strategy set');
        END IF;
    ELSE
        SELECT * INTO v_strategy FROM pg_catalog.pg_dist_rebalance_strategy WHERE name = p_strategy;
        IF NOT FOUND THEN
            PERFORM citus_internal.emulator_error(format('could not find rebalance strategy with name %s', p_strategy));
        END IF;
    END IF;
    v_threshold := coalesce(p_threshold, v_strategy.default_threshold);
    v_improvement := coalesce(p_improvement_threshold, v_strategy.improvement_threshold);

    IF to_regclass('pg_temp.emulator_rb_nodes') IS NOT NULL THEN
        DROP TABLE pg_temp.emulator_rb_nodes;
    END IF;
    IF to_regclass('pg_temp.emulator_rb_shards') IS NOT NULL THEN
        DROP TABLE pg_temp.emulator_rb_shards;
    END IF;
    -- SortedActiveWorkers: active primaries, the coordinator included when registered
    CREATE TEMP TABLE emulator_rb_nodes ON COMMIT DROP AS
        SELECT n.nodeid, n.groupid, n.shouldhaveshards AS allowed,
               CASE WHEN n.shouldhaveshards THEN 1 ELSE 0 END::real AS capacity
          FROM pg_catalog.pg_dist_node n
         WHERE n.isactive AND n.noderole = 'primary';
    SELECT count(*) INTO v_allowed_count FROM emulator_rb_nodes WHERE allowed;
    IF v_allowed_count < v_rf THEN
        PERFORM citus_internal.emulator_error(format('Shard replication factor (%s) cannot be greater than '
            'number of nodes with should_have_shards=true (%s).', v_rf, v_allowed_count));
    END IF;
    IF p_threshold IS NOT NULL AND p_threshold < v_strategy.minimum_threshold THEN
        PERFORM citus_internal.emulator_raise('WARNING', '01000',
            'the given threshold is lower than the minimum threshold allowed by the rebalance strategy, '
            'using the minimum allowed threshold instead',
            format('Using threshold of %s', to_char(v_strategy.minimum_threshold, 'FM0.00')));
        v_threshold := v_strategy.minimum_threshold;
    END IF;

    -- one balancing state per colocation group (its first table stands for the group); groups
    -- with fewer placements than nodes that may hold shards are balanced together as state 0
    CREATE TEMP TABLE emulator_rb_shards ON COMMIT DROP AS
        WITH anchors AS (
            SELECT DISTINCT ON (p.colocationid) p.colocationid, p.logicalrelid
              FROM pg_catalog.pg_dist_partition p
             WHERE p.partmethod = 'h' OR (p.partmethod = 'n' AND p.repmodel <> 't' AND p.colocationid <> 0)
             ORDER BY p.colocationid, p.logicalrelid
        ), placements AS (
            SELECT a.colocationid, s.shardid, pl.groupid
              FROM anchors a
              JOIN pg_catalog.pg_dist_shard s ON s.logicalrelid = a.logicalrelid
              JOIN pg_catalog.pg_dist_placement pl ON pl.shardid = s.shardid AND pl.shardstate = 1
             WHERE NOT s.shardid = ANY (p_excluded)
               AND (p_drain_group IS NULL OR pl.groupid = p_drain_group)
               AND (p_relation IS NULL OR a.colocationid = (SELECT p2.colocationid FROM pg_catalog.pg_dist_partition p2
                                                            WHERE p2.logicalrelid = p_relation))
        )
        SELECT CASE WHEN count(*) OVER (PARTITION BY colocationid) >= v_allowed_count THEN colocationid ELSE 0 END
                   AS state, shardid, groupid
          FROM placements;

    FOR v_state IN SELECT sh.state FROM emulator_rb_shards sh GROUP BY sh.state ORDER BY sh.state = 0, sh.state LOOP
        -- MoveShardsAwayFromDisallowedNodes
        FOR v_shard IN SELECT sh.shardid, sh.groupid FROM emulator_rb_shards sh
                         JOIN emulator_rb_nodes n ON n.groupid = sh.groupid
                        WHERE sh.state = v_state AND NOT n.allowed
                        ORDER BY sh.shardid LOOP
            SELECT n.groupid INTO v_tgt
              FROM emulator_rb_nodes n
             WHERE n.allowed
               AND NOT EXISTS (SELECT 1 FROM emulator_rb_shards x
                                WHERE x.state = v_state AND x.shardid = v_shard.shardid AND x.groupid = n.groupid)
             ORDER BY (SELECT count(*) FROM emulator_rb_shards x WHERE x.state = v_state AND x.groupid = n.groupid)
                      / n.capacity, n.capacity DESC, n.nodeid
             LIMIT 1;
            IF NOT FOUND THEN
                PERFORM citus_internal.emulator_raise('WARNING', '01000',
                    format('Not allowed to move shard %s anywhere from %s:%s', v_shard.shardid,
                           (SELECT nodename FROM pg_catalog.pg_dist_node WHERE groupid = v_shard.groupid AND noderole = 'primary'),
                           (SELECT nodeport FROM pg_catalog.pg_dist_node WHERE groupid = v_shard.groupid AND noderole = 'primary')));
                CONTINUE;
            END IF;
            UPDATE emulator_rb_shards x SET groupid = v_tgt.groupid
             WHERE x.state = v_state AND x.shardid = v_shard.shardid AND x.groupid = v_shard.groupid;
            anchor_shardid := v_shard.shardid;
            source_groupid := v_shard.groupid;
            target_groupid := v_tgt.groupid;
            v_moves := v_moves + 1;
            RETURN NEXT;
        END LOOP;
    END LOOP;

    IF p_drain_only THEN
        RETURN;
    END IF;

    FOR v_state IN SELECT sh.state FROM emulator_rb_shards sh GROUP BY sh.state ORDER BY sh.state = 0, sh.state LOOP
        SELECT count(*)::real / (SELECT sum(capacity) FROM emulator_rb_nodes) INTO v_avg
          FROM emulator_rb_shards WHERE state = v_state;
        v_lower := (1.0 - v_threshold) * v_avg;
        v_upper := (1.0 + v_threshold) * v_avg;
        LOOP
            EXIT WHEN v_moves >= p_max_shard_moves;
            v_found := false;
            <<sources>>
            FOR v_src IN
                SELECT n.*, c.cost,
                       CASE WHEN n.capacity <= 0 THEN 'Infinity'::real ELSE (c.cost / n.capacity)::real END AS util
                  FROM emulator_rb_nodes n
                  CROSS JOIN LATERAL (SELECT count(*)::real AS cost FROM emulator_rb_shards x
                                       WHERE x.state = v_state AND x.groupid = n.groupid) c
                 ORDER BY util DESC, n.capacity, n.nodeid DESC
            LOOP
                EXIT sources WHEN v_src.util <= v_lower;
                FOR v_tgt IN
                    SELECT n.*, c.cost,
                           CASE WHEN n.capacity <= 0 THEN 'Infinity'::real ELSE (c.cost / n.capacity)::real END AS util
                      FROM emulator_rb_nodes n
                      CROSS JOIN LATERAL (SELECT count(*)::real AS cost FROM emulator_rb_shards x
                                           WHERE x.state = v_state AND x.groupid = n.groupid) c
                     ORDER BY util, n.capacity DESC, n.nodeid
                LOOP
                    EXIT WHEN v_tgt.util >= v_upper;
                    EXIT WHEN v_tgt.util >= v_lower AND v_src.util <= v_upper;
                    CONTINUE WHEN NOT v_tgt.allowed;
                    FOR v_shard IN SELECT sh.shardid FROM emulator_rb_shards sh
                                    WHERE sh.state = v_state AND sh.groupid = v_src.groupid
                                      AND NOT EXISTS (SELECT 1 FROM emulator_rb_shards x
                                                       WHERE x.state = v_state AND x.shardid = sh.shardid
                                                         AND x.groupid = v_tgt.groupid)
                                    ORDER BY sh.shardid LOOP
                        v_new_tgt := (v_tgt.cost + 1) / v_tgt.capacity;
                        v_new_src := CASE WHEN v_src.capacity <= 0 THEN 'Infinity'::real
                                          ELSE (v_src.cost - 1) / v_src.capacity END;
                        IF v_new_tgt > v_new_src THEN
                            CONTINUE WHEN v_new_tgt > v_src.util;
                            CONTINUE WHEN v_new_tgt = v_src.util AND v_new_src <= v_tgt.util;
                            CONTINUE WHEN greatest(v_src.util - v_new_tgt, v_new_src - v_tgt.util)
                                          / least(v_new_tgt - v_tgt.util, v_src.util - v_new_src) < v_improvement;
                        END IF;
                        UPDATE emulator_rb_shards x SET groupid = v_tgt.groupid
                         WHERE x.state = v_state AND x.shardid = v_shard.shardid AND x.groupid = v_src.groupid;
                        anchor_shardid := v_shard.shardid;
                        source_groupid := v_src.groupid;
                        target_groupid := v_tgt.groupid;
                        v_moves := v_moves + 1;
                        RETURN NEXT;
                        v_found := true;
                        EXIT sources;
                    END LOOP;
                END LOOP;
            END LOOP;
            EXIT WHEN NOT v_found;
        END LOOP;
    END LOOP;
END $$;

-- the plan rows: every shard of every table of the moved shard group
CREATE FUNCTION citus_internal.emulator_rebalance_plan(p_relation regclass, p_threshold float4,
                                                       p_max_shard_moves integer, p_excluded bigint[],
                                                       p_drain_only boolean, p_strategy name,
                                                       p_improvement_threshold float4 DEFAULT NULL,
                                                       p_drain_group integer DEFAULT NULL)
    RETURNS TABLE (table_name regclass, shardid bigint, shard_size bigint, sourcename text, sourceport int,
                   targetname text, targetport int, source_groupid integer, target_groupid integer, move_no bigint)
    LANGUAGE sql
    AS $$
    WITH moves AS (
        SELECT row_number() OVER () AS move_no, m.*
          FROM citus_internal.emulator_rebalance_moves(p_relation, p_threshold, p_max_shard_moves,
                                                        coalesce(p_excluded, '{}'), p_drain_only, p_strategy,
                                                        p_improvement_threshold, p_drain_group) m
    ), shards AS (
        SELECT p.colocationid, s.logicalrelid, s.shardid, s.shardminvalue,
               row_number() OVER (PARTITION BY s.logicalrelid ORDER BY s.shardid) AS i
          FROM pg_catalog.pg_dist_shard s JOIN pg_catalog.pg_dist_partition p ON p.logicalrelid = s.logicalrelid
    )
    SELECT sh.logicalrelid, sh.shardid, 0::bigint, src.nodename, src.nodeport, tgt.nodename, tgt.nodeport,
           m.source_groupid, m.target_groupid, m.move_no
      FROM moves m
      JOIN shards anchor ON anchor.shardid = m.anchor_shardid
      JOIN shards sh ON sh.colocationid = anchor.colocationid AND sh.i = anchor.i
      JOIN pg_catalog.pg_dist_node src ON src.groupid = m.source_groupid AND src.noderole = 'primary'
      JOIN pg_catalog.pg_dist_node tgt ON tgt.groupid = m.target_groupid AND tgt.noderole = 'primary'
     ORDER BY m.move_no, sh.logicalrelid, sh.shardid
$$;

CREATE FUNCTION pg_catalog.get_rebalance_table_shards_plan(relation regclass DEFAULT NULL,
                                                           threshold float4 DEFAULT NULL,
                                                           max_shard_moves int DEFAULT 1000000,
                                                           excluded_shard_list bigint[] DEFAULT '{}',
                                                           drain_only boolean DEFAULT false,
                                                           rebalance_strategy name DEFAULT NULL,
                                                           improvement_threshold float4 DEFAULT NULL)
    RETURNS TABLE (table_name regclass, shardid bigint, shard_size bigint, sourcename text, sourceport int,
                   targetname text, targetport int)
    LANGUAGE sql VOLATILE
    AS $$
    SELECT citus_internal.emulator_check_version();
    SELECT p.table_name, p.shardid, p.shard_size, p.sourcename, p.sourceport, p.targetname, p.targetport
      FROM citus_internal.emulator_rebalance_plan(relation, threshold, max_shard_moves, excluded_shard_list,
                                                  drain_only, rebalance_strategy, improvement_threshold) p
$$;
COMMENT ON FUNCTION pg_catalog.get_rebalance_table_shards_plan(regclass, float4, int, bigint[], boolean, name, float4)
    IS 'returns the list of shard placement moves to be done on a rebalance operation';

-- errors like Citus when shard_transfer_mode 'auto' meets a table without replica identity
CREATE FUNCTION citus_internal.emulator_check_transfer_mode(p_mode citus.shard_transfer_mode, p_tables regclass[])
    RETURNS void LANGUAGE plpgsql
    AS $$
DECLARE
    v_rel regclass;
BEGIN
    IF p_mode <> 'auto' THEN
        RETURN;
    END IF;
    FOREACH v_rel IN ARRAY coalesce(p_tables, '{}') LOOP
        IF NOT citus_internal.emulator_has_replica_identity(v_rel) THEN
            PERFORM citus_internal.emulator_error(
                format('cannot use logical replication to transfer shards of the relation %s since it doesn''t '
                       'have a REPLICA IDENTITY or PRIMARY KEY', (SELECT relname FROM pg_catalog.pg_class WHERE oid = v_rel)),
                'UPDATE and DELETE commands on the shard will error out during logical replication unless '
                'there is a REPLICA IDENTITY or PRIMARY KEY.',
                'If you wish to continue without a replica identity set the shard_transfer_mode to '
                '''force_logical'' or ''block_writes''.', '0A000');
        END IF;
    END LOOP;
END $$;

-- applies a plan to the metadata; returns the number of shard group moves
CREATE FUNCTION citus_internal.emulator_apply_rebalance(p_relation regclass, p_threshold float4,
                                                        p_max_shard_moves integer, p_excluded bigint[],
                                                        p_drain_only boolean, p_strategy name,
                                                        p_mode citus.shard_transfer_mode, p_notice boolean,
                                                        p_drain_group integer DEFAULT NULL)
    RETURNS integer LANGUAGE plpgsql
    AS $$
DECLARE
    v_moves integer;
    v_move record;
    v_taken bigint;
BEGIN
    IF to_regclass('pg_temp.emulator_plan') IS NOT NULL THEN
        DROP TABLE pg_temp.emulator_plan;
    END IF;
    CREATE TEMP TABLE emulator_plan ON COMMIT DROP AS
        SELECT * FROM citus_internal.emulator_rebalance_plan(p_relation, p_threshold, p_max_shard_moves,
                                                            p_excluded, p_drain_only, p_strategy, NULL,
                                                            p_drain_group);
    SELECT count(DISTINCT move_no) INTO v_moves FROM pg_temp.emulator_plan;
    IF v_moves = 0 THEN
        RETURN 0;
    END IF;
    PERFORM citus_internal.emulator_check_transfer_mode(p_mode,
        ARRAY(SELECT DISTINCT table_name FROM pg_temp.emulator_plan));
    -- Citus cleans up orphaned resources through a loopback connection before it moves anything, then commits
    -- each move on its own through another one: a drain or rebalance that fails midway keeps the moves done so far,
    -- and a ROLLBACK of the caller's transaction undoes none of them
    PERFORM citus_internal.emulator_loopback('CALL pg_catalog.citus_cleanup_orphaned_resources()');
    FOR v_move IN
        SELECT DISTINCT ON (move_no) move_no, shardid, sourcename, sourceport, targetname, targetport,
               source_groupid, target_groupid,
               (SELECT array_agg(p.shardid) FROM pg_temp.emulator_plan p WHERE p.move_no = m.move_no) AS shardids
          FROM pg_temp.emulator_plan m ORDER BY move_no, shardid
    LOOP
        IF p_notice THEN
            PERFORM citus_internal.emulator_notice(format('Moving shard %s from %s:%s to %s:%s ...', v_move.shardid,
                                                          v_move.sourcename, v_move.sourceport, v_move.targetname,
                                                          v_move.targetport));
        END IF;
        -- citus_move_shard_placement (EnsureShardCanBeCopied) refuses a target that already has a placement
        SELECT min(p.shardid) INTO v_taken FROM pg_catalog.pg_dist_placement p
         WHERE p.shardid = ANY (v_move.shardids) AND p.groupid = v_move.target_groupid;
        IF v_taken IS NOT NULL THEN
            PERFORM citus_internal.emulator_raise('ERROR', '22023',
                format('shard %s already exists in the target node', v_taken), NULL, NULL,
                format('while executing command on %s:%s', current_setting('citus.local_hostname'),
                       current_setting('port')));
        END IF;
        PERFORM citus_internal.emulator_loopback(format(
            'UPDATE pg_catalog.pg_dist_placement SET groupid = %s WHERE groupid = %s AND shardid = ANY (%L::bigint[])',
            v_move.target_groupid, v_move.source_groupid, v_move.shardids));
    END LOOP;
    RETURN v_moves;
END $$;

CREATE FUNCTION pg_catalog.rebalance_table_shards(relation regclass DEFAULT NULL,
                                                  threshold float4 DEFAULT NULL,
                                                  max_shard_moves int DEFAULT 1000000,
                                                  excluded_shard_list bigint[] DEFAULT '{}',
                                                  shard_transfer_mode citus.shard_transfer_mode DEFAULT 'auto',
                                                  drain_only boolean DEFAULT false,
                                                  rebalance_strategy name DEFAULT NULL)
    RETURNS void LANGUAGE plpgsql VOLATILE
    AS $$
BEGIN
    PERFORM citus_internal.emulator_check_version();
    PERFORM citus_internal.emulator_ensure_reference_tables_on_all_nodes();
    PERFORM citus_internal.emulator_apply_rebalance(relation, threshold, max_shard_moves, excluded_shard_list,
                                                    drain_only, rebalance_strategy, shard_transfer_mode, true);
END $$;
COMMENT ON FUNCTION pg_catalog.rebalance_table_shards(regclass, float4, int, bigint[], citus.shard_transfer_mode, boolean, name)
    IS 'rebalance the shards of the given table across the worker nodes (including colocated shards of other tables)';

-- Citus's replicate_reference_tables (reference_table_utils.c): a placement of every reference table on every
-- active primary that lacks one (the coordinator too, once registered); nothing when none lacks one
CREATE FUNCTION pg_catalog.replicate_reference_tables(shard_transfer_mode citus.shard_transfer_mode DEFAULT 'auto')
    RETURNS void LANGUAGE plpgsql STRICT VOLATILE
    AS $$
BEGIN
    LOCK TABLE pg_catalog.pg_dist_node IN SHARE MODE;
    PERFORM citus_internal.emulator_ensure_reference_tables_on_all_nodes();
END $$;
COMMENT ON FUNCTION pg_catalog.replicate_reference_tables(citus.shard_transfer_mode)
    IS 'replicate reference tables to all nodes';
REVOKE ALL ON FUNCTION pg_catalog.replicate_reference_tables(citus.shard_transfer_mode) FROM PUBLIC;

CREATE FUNCTION pg_catalog.citus_rebalance_start(rebalance_strategy name DEFAULT NULL,
                                                 drain_only boolean DEFAULT false,
                                                 shard_transfer_mode citus.shard_transfer_mode DEFAULT 'auto',
                                                 parallel_transfer_reference_tables boolean DEFAULT false,
                                                 parallel_transfer_colocated_shards boolean DEFAULT false)
    RETURNS bigint LANGUAGE plpgsql VOLATILE
    AS $$
DECLARE
    v_job bigint;
    v_moves integer;
BEGIN
    PERFORM citus_internal.emulator_check_version();
    SELECT job_id INTO v_job FROM pg_catalog.pg_dist_background_job
     WHERE job_type = 'rebalance' AND state IN ('scheduled', 'running', 'cancelling', 'failing')
     ORDER BY job_id DESC LIMIT 1;
    IF FOUND THEN
        -- the job "runs" until the next rebalance call looks at it
        PERFORM citus_internal.emulator_finish_rebalance_jobs();
        PERFORM citus_internal.emulator_error(format('A rebalance is already running as job %s', v_job),
            'A rebalance was already scheduled as background job',
            'To monitor progress, run: SELECT * FROM citus_rebalance_status();');
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition WHERE partmethod = 'h') THEN
        PERFORM citus_internal.emulator_notice('No tables to rebalance');
        RETURN NULL;
    END IF;
    PERFORM citus_internal.emulator_ensure_reference_tables_on_all_nodes();
    v_moves := citus_internal.emulator_apply_rebalance(NULL, NULL, 1000000, '{}', drain_only,
                                                       rebalance_strategy, shard_transfer_mode, false);
    IF v_moves = 0 THEN
        PERFORM citus_internal.emulator_notice('No moves available for rebalancing');
        RETURN NULL;
    END IF;
    -- the emulator moves metadata at once; the job shows as running until the next rebalance
    -- call (status, wait, start, stop) looks at it, then as finished
    INSERT INTO pg_catalog.pg_dist_background_job (state, job_type, description, started_at)
    VALUES ('running', 'rebalance', 'Rebalance all colocation groups', now())
    RETURNING job_id INTO v_job;
    INSERT INTO pg_catalog.pg_dist_background_task (job_id, status, command, retry_count, message, nodes_involved)
    SELECT v_job, 'done',
           format('SELECT pg_catalog.citus_move_shard_placement(%s,%s,%s,%L)', m.shardid,
                  (SELECT nodeid FROM pg_catalog.pg_dist_node WHERE groupid = m.source_groupid AND noderole = 'primary'),
                  (SELECT nodeid FROM pg_catalog.pg_dist_node WHERE groupid = m.target_groupid AND noderole = 'primary'),
                  shard_transfer_mode),
           0, '', NULL
      FROM (SELECT DISTINCT ON (move_no) * FROM pg_temp.emulator_plan ORDER BY move_no, shardid) m
     ORDER BY m.move_no;
    PERFORM citus_internal.emulator_notice(format('Scheduled %s moves as job %s', v_moves, v_job),
        'Rebalance scheduled as background job',
        'To monitor progress, run: SELECT * FROM citus_rebalance_status();');
    RETURN v_job;
END $$;
COMMENT ON FUNCTION pg_catalog.citus_rebalance_start(name, boolean, citus.shard_transfer_mode, boolean, boolean)
    IS 'rebalance the shards in the cluster in the background';
GRANT EXECUTE ON FUNCTION pg_catalog.citus_rebalance_start(name, boolean, citus.shard_transfer_mode, boolean, boolean) TO PUBLIC;

CREATE FUNCTION citus_internal.emulator_finish_rebalance_jobs()
    RETURNS void LANGUAGE sql
    AS $$
    UPDATE pg_catalog.pg_dist_background_job SET state = 'finished', finished_at = now()
     WHERE job_type = 'rebalance' AND state IN ('scheduled', 'running')
$$;

CREATE FUNCTION pg_catalog.citus_rebalance_status(raw boolean DEFAULT false)
    RETURNS TABLE (job_id bigint, state pg_catalog.citus_job_status, job_type name, description text,
                   started_at timestamptz, finished_at timestamptz, details jsonb)
    LANGUAGE plpgsql STRICT
    AS $$
BEGIN
    RETURN QUERY
    SELECT j.job_id, j.state, j.job_type, j.description, j.started_at, j.finished_at,
           jsonb_build_object('tasks', '[]'::jsonb,
                              'task_state_counts', coalesce((SELECT jsonb_object_agg(c.status, c.n) FROM
                                  (SELECT t.status, count(*) AS n FROM pg_catalog.pg_dist_background_task t
                                    WHERE t.job_id = j.job_id GROUP BY t.status) c), '{}'::jsonb))
      FROM pg_catalog.pg_dist_background_job j
     WHERE j.job_type = 'rebalance'
     ORDER BY j.job_id DESC LIMIT 1;
    PERFORM citus_internal.emulator_finish_rebalance_jobs();
END $$;

CREATE FUNCTION pg_catalog.citus_rebalance_wait()
    RETURNS void LANGUAGE plpgsql VOLATILE
    AS $$
BEGIN
    PERFORM citus_internal.emulator_check_version();
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_background_job
                    WHERE job_type = 'rebalance' AND state IN ('scheduled', 'running', 'cancelling', 'failing')) THEN
        PERFORM citus_internal.emulator_raise('WARNING', '01000', 'no ongoing rebalance that can be waited on');
    END IF;
    PERFORM citus_internal.emulator_finish_rebalance_jobs();
END $$;
COMMENT ON FUNCTION pg_catalog.citus_rebalance_wait() IS 'wait on a running rebalance in the background';
GRANT EXECUTE ON FUNCTION pg_catalog.citus_rebalance_wait() TO PUBLIC;

CREATE FUNCTION pg_catalog.citus_rebalance_stop()
    RETURNS void LANGUAGE plpgsql VOLATILE
    AS $$
BEGIN
    PERFORM citus_internal.emulator_check_version();
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_background_job
                    WHERE job_type = 'rebalance' AND state IN ('scheduled', 'running', 'cancelling', 'failing')) THEN
        PERFORM citus_internal.emulator_error('no ongoing rebalance that can be stopped');
    END IF;
    -- the moves are already in the metadata: the job ends as cancelled
    UPDATE pg_catalog.pg_dist_background_job SET state = 'cancelled', finished_at = now()
     WHERE job_type = 'rebalance' AND state IN ('scheduled', 'running', 'failing');
END $$;
COMMENT ON FUNCTION pg_catalog.citus_rebalance_stop() IS 'stop a rebalance that is running in the background';
GRANT EXECUTE ON FUNCTION pg_catalog.citus_rebalance_stop() TO PUBLIC;

CREATE FUNCTION pg_catalog.citus_job_cancel(jobid bigint)
    RETURNS void LANGUAGE plpgsql
    AS $$
BEGIN
    PERFORM citus_internal.emulator_check_version();
    UPDATE pg_catalog.pg_dist_background_job SET state = 'cancelled', finished_at = now()
     WHERE job_id = jobid AND state IN ('scheduled', 'running', 'cancelling', 'failing');
    IF NOT FOUND AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_background_job WHERE job_id = jobid) THEN
        PERFORM citus_internal.emulator_error(format('no job found for job with jobid: %s', jobid));
    END IF;
END $$;
COMMENT ON FUNCTION pg_catalog.citus_job_cancel(bigint) IS 'cancel a scheduled or running job and all of its tasks';

-- Citus's deferred cleanup: the records of groups that still have a primary go (the emulator has no shard table
-- to drop: only clone promotions write records), with Citus's NOTICE when there were any
CREATE PROCEDURE pg_catalog.citus_cleanup_orphaned_resources()
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_count integer;
BEGIN
    DELETE FROM pg_catalog.pg_dist_cleanup c
     WHERE c.policy_type IN (0, 2)
       AND EXISTS (SELECT 1 FROM pg_catalog.pg_dist_node n
                    WHERE n.groupid = c.node_group_id AND n.noderole = 'primary');
    GET DIAGNOSTICS v_count = ROW_COUNT;
    IF v_count > 0 THEN
        PERFORM citus_internal.emulator_notice(format('cleaned up %s orphaned resources', v_count));
    END IF;
END $$;
COMMENT ON PROCEDURE pg_catalog.citus_cleanup_orphaned_resources() IS 'cleanup orphaned resources';

CREATE FUNCTION pg_catalog.citus_drain_node(nodename text, nodeport integer,
                                            shard_transfer_mode citus.shard_transfer_mode DEFAULT 'auto',
                                            rebalance_strategy name DEFAULT NULL)
    RETURNS void LANGUAGE plpgsql
    AS $$
DECLARE
    v_node pg_catalog.pg_dist_node;
BEGIN
    PERFORM citus_internal.emulator_check_version();
    IF nodename IS NULL OR nodeport IS NULL THEN
        PERFORM citus_internal.emulator_error('nodename and nodeport cannot be NULL');
    END IF;
    SELECT * INTO v_node FROM pg_catalog.pg_dist_node n WHERE n.nodename = $1 AND n.nodeport = $2;
    IF NOT FOUND THEN
        PERFORM citus_internal.emulator_error(format('node %s:%s not found', $1, $2), NULL, NULL, 'P0002');
    END IF;
    -- committed on its own through a loopback connection, so it stays when the drain fails midway (as in Citus)
    PERFORM citus_internal.emulator_loopback(
        format('SELECT pg_catalog.master_set_node_property(%L, %s, %L, false)', $1, $2, 'shouldhaveshards'));
    -- the plan sees only the drained node's placements (see emulator_rebalance_moves)
    PERFORM citus_internal.emulator_apply_rebalance(NULL, NULL, 1000000, '{}', true, rebalance_strategy,
                                                    shard_transfer_mode, true, v_node.groupid);
END $$;
COMMENT ON FUNCTION pg_catalog.citus_drain_node(text, int, citus.shard_transfer_mode, name)
    IS 'mark a node to be drained of data and actually drain it as well';
REVOKE ALL ON FUNCTION pg_catalog.citus_drain_node(text, int, citus.shard_transfer_mode, name) FROM PUBLIC;

---------------------------------------------------------------------------
-- Node connection checks, over the node connections of emulator_connect (citus.node_conninfo, TLS,
-- ~/.pgpass, pg_dist_authinfo), with Citus's signatures, rows and result texts
---------------------------------------------------------------------------

-- Citus's C function: one new connection per node, SET application_name, the command; never raises
CREATE FUNCTION pg_catalog.master_run_on_worker(worker_name text[], port integer[], command text[],
                                                parallel boolean, OUT node_name text, OUT node_port integer,
                                                OUT success boolean, OUT result text)
    RETURNS SETOF record LANGUAGE plpgsql STABLE STRICT
    AS $$
DECLARE
    -- the global pid Citus gives a backend: local node id * 10^10 + pid (99999999 outside the metadata)
    v_gpid bigint := coalesce((SELECT n.nodeid FROM pg_catalog.pg_dist_node n
                                 JOIN pg_catalog.pg_dist_local_group l ON l.groupid = n.groupid
                                WHERE n.noderole = 'primary' LIMIT 1), 99999999)::bigint * 10000000000
                     + pg_backend_pid();
    v_run record;
BEGIN
    IF coalesce(array_length(worker_name, 1), 0) <> coalesce(array_length(port, 1), 0)
       OR coalesce(array_length(worker_name, 1), 0) <> coalesce(array_length(command, 1), 0) THEN
        PERFORM citus_internal.emulator_error('expected same number of node name, port, and query string',
                                              NULL, NULL, '42601');
    END IF;
    FOR i IN 1 .. coalesce(array_length(worker_name, 1), 0) LOOP
        v_run := citus_internal.emulator_run_command(worker_name[i], port[i], command[i],
                                                     citus_internal.emulator_authinfo(worker_name[i], port[i]),
                                                     'citus_run_command gpid=' || v_gpid);
        node_name := worker_name[i];
        node_port := port[i];
        success := v_run.success;
        result := v_run.result;
        RETURN NEXT;
    END LOOP;
END $$;
REVOKE ALL ON FUNCTION pg_catalog.master_run_on_worker(text[], integer[], text[], boolean) FROM PUBLIC;

-- Citus's own definition (unchanged since 8.0)
CREATE FUNCTION pg_catalog.run_command_on_workers(command text,
                                                  parallel bool default true,
                                                  OUT nodename text,
                                                  OUT nodeport int,
                                                  OUT success bool,
                                                  OUT result text)
    RETURNS SETOF record
    LANGUAGE plpgsql
    AS $function$
DECLARE
    workers text[];
    ports int[];
    commands text[];
BEGIN
    WITH citus_workers AS (
        SELECT * FROM master_get_active_worker_nodes() ORDER BY node_name, node_port)
    SELECT array_agg(node_name), array_agg(node_port), array_agg(command)
    INTO workers, ports, commands
    FROM citus_workers;

    RETURN QUERY SELECT * FROM master_run_on_worker(workers, ports, commands, parallel);
END;
$function$;

CREATE FUNCTION pg_catalog.citus_check_connection_to_node(nodename text, nodeport integer DEFAULT 5432)
    RETURNS bool LANGUAGE plpgsql STRICT
    AS $$
DECLARE
    v_error text := citus_internal.emulator_connection_error($1, $2, citus_internal.emulator_authinfo($1, $2));
BEGIN
    IF v_error IS NOT NULL THEN
        PERFORM citus_internal.emulator_raise('WARNING', '08006', v_error);
        RETURN false;
    END IF;
    RETURN true;
END $$;
COMMENT ON FUNCTION pg_catalog.citus_check_connection_to_node(text, integer) IS 'checks connection to another node';

-- from every active readable node (coordinator included; by name, then port) to every one: true/false as the
-- source node's citus_check_connection_to_node says, NULL when the source itself cannot be reached
CREATE FUNCTION pg_catalog.citus_check_cluster_node_health(OUT from_nodename text, OUT from_nodeport int,
                                                           OUT to_nodename text, OUT to_nodeport int,
                                                           OUT result bool)
    RETURNS SETOF record LANGUAGE plpgsql STRICT
    AS $$
DECLARE
    v_source record;
    v_target record;
    v_error text;
    v_run record;
BEGIN
    FOR v_source IN SELECT n.nodename, n.nodeport FROM pg_catalog.pg_dist_node n
                     WHERE n.isactive AND n.noderole = 'primary' ORDER BY n.nodename COLLATE "C", n.nodeport LOOP
        FOR v_target IN SELECT n.nodename, n.nodeport FROM pg_catalog.pg_dist_node n
                         WHERE n.isactive AND n.noderole = 'primary' ORDER BY n.nodename COLLATE "C", n.nodeport LOOP
            from_nodename := v_source.nodename;
            from_nodeport := v_source.nodeport;
            to_nodename := v_target.nodename;
            to_nodeport := v_target.nodeport;
            result := NULL;
            v_run := citus_internal.emulator_run_command(v_source.nodename, v_source.nodeport,
                         format('SELECT citus_check_connection_to_node(%L, %s)', v_target.nodename, v_target.nodeport),
                         citus_internal.emulator_authinfo(v_source.nodename, v_source.nodeport), NULL);
            IF v_run.success THEN
                result := v_run.result::boolean;
            ELSIF v_run.result LIKE 'failed to connect to %' THEN
                v_error := citus_internal.emulator_connection_error(v_source.nodename, v_source.nodeport,
                               citus_internal.emulator_authinfo(v_source.nodename, v_source.nodeport));
                PERFORM citus_internal.emulator_raise('WARNING', '08006', coalesce(v_error, v_run.result));
            END IF;
            RETURN NEXT;
        END LOOP;
    END LOOP;
END $$;
COMMENT ON FUNCTION pg_catalog.citus_check_cluster_node_health()
    IS 'checks connections between all nodes in the cluster';

---------------------------------------------------------------------------
-- Old master_* names
---------------------------------------------------------------------------
CREATE FUNCTION pg_catalog.master_add_node(nodename text, nodeport integer, groupid integer DEFAULT -1,
                                           noderole noderole DEFAULT 'primary', nodecluster name DEFAULT 'default')
    RETURNS integer LANGUAGE sql STRICT
    AS $$ SELECT pg_catalog.citus_add_node(nodename, nodeport, groupid, noderole, nodecluster) $$;
CREATE FUNCTION pg_catalog.master_add_secondary_node(nodename text, nodeport integer, primaryname text,
                                                     primaryport integer, nodecluster name DEFAULT 'default')
    RETURNS integer LANGUAGE sql STRICT
    AS $$ SELECT pg_catalog.citus_add_secondary_node(nodename, nodeport, primaryname, primaryport, nodecluster) $$;
CREATE FUNCTION pg_catalog.master_remove_node(nodename text, nodeport integer)
    RETURNS void LANGUAGE sql STRICT
    AS $$ SELECT pg_catalog.citus_remove_node(nodename, nodeport) $$;
CREATE FUNCTION pg_catalog.master_disable_node(nodename text, nodeport integer)
    RETURNS void LANGUAGE sql STRICT
    AS $$ SELECT pg_catalog.citus_disable_node(nodename, nodeport, true) $$;
CREATE FUNCTION pg_catalog.master_activate_node(nodename text, nodeport integer)
    RETURNS integer LANGUAGE sql STRICT
    AS $$ SELECT pg_catalog.citus_activate_node(nodename, nodeport) $$;
CREATE FUNCTION pg_catalog.master_set_node_property(nodename text, nodeport integer, property text, value boolean)
    RETURNS void LANGUAGE sql STRICT
    AS $$ SELECT pg_catalog.citus_set_node_property(nodename, nodeport, property, value) $$;
CREATE FUNCTION pg_catalog.master_update_node(node_id int, new_node_name text, new_node_port int,
                                              force bool DEFAULT false, lock_cooldown int DEFAULT 10000)
    RETURNS void LANGUAGE sql STRICT
    AS $$ SELECT pg_catalog.citus_update_node(node_id, new_node_name, new_node_port, force, lock_cooldown) $$;
CREATE FUNCTION pg_catalog.master_get_active_worker_nodes(OUT node_name text, OUT node_port bigint)
    RETURNS SETOF record LANGUAGE sql STABLE
    AS $$ SELECT * FROM pg_catalog.citus_get_active_worker_nodes() $$;
REVOKE ALL ON FUNCTION pg_catalog.master_add_node(text, int, int, noderole, name) FROM PUBLIC;
REVOKE ALL ON FUNCTION pg_catalog.master_add_secondary_node(text, int, text, int, name) FROM PUBLIC;
REVOKE ALL ON FUNCTION pg_catalog.master_remove_node(text, int) FROM PUBLIC;
REVOKE ALL ON FUNCTION pg_catalog.master_disable_node(text, int) FROM PUBLIC;
REVOKE ALL ON FUNCTION pg_catalog.master_activate_node(text, int) FROM PUBLIC;
REVOKE ALL ON FUNCTION pg_catalog.master_set_node_property(text, int, text, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION pg_catalog.master_update_node(int, text, int, bool, int) FROM PUBLIC;

---------------------------------------------------------------------------
-- DROP TABLE removes the metadata of Citus tables, as Citus's drop trigger does
---------------------------------------------------------------------------
CREATE FUNCTION pg_catalog.citus_drop_trigger()
    RETURNS event_trigger LANGUAGE plpgsql
    SET search_path = pg_catalog
    AS $$
DECLARE
    v_obj record;
BEGIN
    FOR v_obj IN SELECT * FROM pg_event_trigger_dropped_objects()
                  WHERE object_type IN ('table', 'foreign table') LOOP
        DELETE FROM pg_catalog.pg_dist_placement
         WHERE shardid IN (SELECT shardid FROM pg_catalog.pg_dist_shard WHERE logicalrelid::oid = v_obj.objid);
        DELETE FROM pg_catalog.pg_dist_shard WHERE logicalrelid::oid = v_obj.objid;
        DELETE FROM pg_catalog.pg_dist_partition WHERE logicalrelid::oid = v_obj.objid;
    END LOOP;
    PERFORM citus_internal.emulator_drop_empty_colocation_groups();
END $$;

CREATE EVENT TRIGGER citus_cascade_to_partition ON sql_drop EXECUTE FUNCTION pg_catalog.citus_drop_trigger();

---------------------------------------------------------------------------
-- Upgrades
---------------------------------------------------------------------------
-- Citus 13.2's procedure (sql/udfs/citus_finish_citus_upgrade/latest.sql): its only step is for
-- clusters last upgraded before 11.0, which the emulator cannot have; otherwise a NOTICE and no change.
CREATE PROCEDURE pg_catalog.citus_finish_citus_upgrade()
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
    AS $cppu$
DECLARE
    current_version_string text;
    last_upgrade_version_string text;
    last_upgrade_major_version int;
    last_upgrade_minor_version int;
    last_upgrade_sqlpatch_version int;
BEGIN
    SELECT extversion INTO current_version_string FROM pg_extension WHERE extname = 'citus';
    SELECT coalesce(metadata->>'last_upgrade_version', '8.0-1') INTO last_upgrade_version_string
      FROM pg_dist_node_metadata;
    SELECT r[1], r[2], r[3]
      FROM regexp_matches(last_upgrade_version_string, '([0-9]+)\.([0-9]+)-([0-9]+)', '') r
      INTO last_upgrade_major_version, last_upgrade_minor_version, last_upgrade_sqlpatch_version;
    IF last_upgrade_major_version IS NULL OR last_upgrade_minor_version IS NULL
       OR last_upgrade_sqlpatch_version IS NULL THEN
        last_upgrade_major_version := 8;
    END IF;
    IF last_upgrade_major_version < 11 THEN
        PERFORM citus_internal.emulator_error('citus_finalize_upgrade_to_citus11 is not supported by the Citus API emulator');
    END IF;
    RAISE NOTICE 'already at the latest distributed schema version (%)', last_upgrade_version_string;
END;
$cppu$;
COMMENT ON PROCEDURE pg_catalog.citus_finish_citus_upgrade()
    IS 'after upgrading Citus on all nodes call this function to upgrade the distributed schema';
