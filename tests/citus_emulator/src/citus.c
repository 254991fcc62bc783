/*-------------------------------------------------------------------------
 *
 * citus.c
 *	  Citus API emulator: the C part of a PostgreSQL 15 extension named
 *	  "citus" that answers the Citus 13.2 SQL API for tests.
 *
 * This is NOT Citus. It is test infrastructure of the pgcitus.cluster
 * Ansible collection. It provides:
 *
 *	  - the preload checks Citus performs in _PG_init (same messages),
 *	  - the citus.* settings the collection touches, with Citus's names,
 *		defaults, ranges and contexts,
 *	  - citus_internal.emulator_remote_query(): one libpq round trip to
 *		another node, failing with the messages Citus prints,
 *	  - citus_internal.emulator_run_command(): the same connection, never
 *		failing: (success, result) as Citus's master_run_on_worker reports,
 *	  - citus_internal.emulator_library_listed(): whether a list setting such
 *		as output_plugin_libraries names a library,
 *	  - citus_internal.emulator_server_id(): a random uuid for
 *		pg_dist_node_metadata,
 *	  - the library's version (CITUS_VERSION, set at build time: 13.2.2 or
 *		an older 13.x) and Citus's version checks between the library, the
 *		control file and the installed extension (CheckCitusVersion, and
 *		the CREATE/ALTER EXTENSION citus checks of its utility hook).
 *
 * Everything else (catalogs, node and table functions) is PL/pgSQL in
 * citus--13.2-1.sql. Shards are metadata only: no data ever moves.
 *
 *-------------------------------------------------------------------------
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_extension.h"
#include "commands/defrem.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "executor/executor.h"
#include "funcapi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "libpq-fe.h"
#include "miscadmin.h"
#include "optimizer/planner.h"
#include "commands/dbcommands.h"
#include "commands/explain.h"
#include "tcop/utility.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/varlena.h"

/* the library's version, set by the Makefile (CITUS_VERSION=13.2.2 or an older 13.x) */
#ifndef CITUS_VERSION
#define CITUS_VERSION "13.2.2"
#endif
#ifndef CITUS_MAJORVERSION
#define CITUS_MAJORVERSION "13.2"
#endif
/* the extension version the library is built for, as Citus's CITUS_EXTENSIONVERSION */
#define CITUS_EXTENSIONVERSION CITUS_MAJORVERSION "-1"

PG_MODULE_MAGIC;

void		_PG_init(void);

static bool NodeConninfoCheckHook(char **newval, void **extra, GucSource source);

/* settings with Citus's names, defaults, ranges and contexts */
static int	ShardCount = 32;
static int	ShardReplicationFactor = 1;
static char *NodeConninfo = NULL;
static int	ReadFromSecondaries = 0;
static char *LocalHostName = NULL;
static bool EnableDDLPropagation = true;
static int	MaxBackgroundTaskExecutors = 1;
static int	BackgroundTaskQueueInterval = 5000;
static char *CurrentCluster = NULL;
static int	MetadataSyncMode = 0;
static int	NodeConnectionTimeout = 30000;
static bool CheckAvailableSpaceBeforeMove = true;
static char *EmulatorHint = NULL;
static bool EnableVersionChecks = true;
static bool citusVersionKnownCompatible = false;

/*
 * Keywords Citus 13.2 accepts in citus.node_conninfo (its allow list for
 * PostgreSQL 15; krbsrvname only in GSSAPI builds, gsslib never on Linux).
 */
static const char *const NodeConninfoKeywords[] = {
	"connect_timeout",
	"host",
	"keepalives",
	"keepalives_count",
	"keepalives_idle",
	"keepalives_interval",
#ifdef ENABLE_GSS
	"krbsrvname",
#endif
	"sslcert",
	"sslcompression",
	"sslcrl",
	"sslkey",
	"sslmode",
	"sslrootcert",
	"tcp_user_timeout",
};

static const struct config_enum_entry use_secondary_nodes_options[] = {
	{"never", 0, false},
	{"always", 1, false},
	{NULL, 0, false}
};

static const struct config_enum_entry metadata_sync_mode_options[] = {
	{"transactional", 0, false},
	{"nontransactional", 1, false},
	{NULL, 0, false}
};

/* something non-NULL to install in the hooks Citus installs */
static planner_hook_type prev_planner_hook = NULL;
static ProcessUtility_hook_type prev_utility_hook = NULL;

static bool CheckAvailableVersion(int elevel);
static bool MinorVersionsCompatibleRelaxed(const char *leftVersion, const char *rightVersion);

static PlannedStmt *
emulator_planner(Query *parse, const char *query_string, int cursorOptions,
				 ParamListInfo boundParams)
{
	if (prev_planner_hook)
		return prev_planner_hook(parse, query_string, cursorOptions, boundParams);
	return standard_planner(parse, query_string, cursorOptions, boundParams);
}


/*
 * ExtensionVersionOption returns the version a CREATE EXTENSION ... VERSION or
 * ALTER EXTENSION ... UPDATE TO statement names, NULL when it names none.
 */
static char *
ExtensionVersionOption(List *options)
{
	ListCell   *cell;

	foreach(cell, options)
	{
		DefElem    *option = (DefElem *) lfirst(cell);

		if (strcmp(option->defname, "new_version") == 0)
			return defGetString(option);
	}
	return NULL;
}


/*
 * emulator_utility runs the checks Citus's utility hook runs on CREATE
 * EXTENSION citus and ALTER EXTENSION citus UPDATE when
 * citus.enable_version_checks is on (ErrorIfUnstableCreateOrAlterExtensionStmt):
 * a named version must be compatible with the loaded library, and without one
 * the control file's default_version must be.
 */
static void
emulator_utility(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
				 ProcessUtilityContext context, ParamListInfo params,
				 QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc)
{
	Node	   *parsetree = pstmt->utilityStmt;
	List	   *options = NIL;
	bool		citusStmt = false;

	if (IsA(parsetree, CreateExtensionStmt) &&
		strcmp(((CreateExtensionStmt *) parsetree)->extname, "citus") == 0)
	{
		citusStmt = true;
		options = ((CreateExtensionStmt *) parsetree)->options;
	}
	else if (IsA(parsetree, AlterExtensionStmt) &&
			 strcmp(((AlterExtensionStmt *) parsetree)->extname, "citus") == 0)
	{
		citusStmt = true;
		options = ((AlterExtensionStmt *) parsetree)->options;
	}
	if (citusStmt && EnableVersionChecks)
	{
		char	   *newVersion = ExtensionVersionOption(options);

		if (newVersion != NULL)
		{
			if (!MinorVersionsCompatibleRelaxed(newVersion, CITUS_EXTENSIONVERSION))
				ereport(ERROR, (errmsg("specified version incompatible with loaded "
									   "Citus library"),
								errdetail("Loaded library requires %s, but %s was specified.",
										  CITUS_MAJORVERSION, newVersion),
								errhint("If a newer library is present, restart the database "
										"and try the command again.")));
		}
		else
			CheckAvailableVersion(ERROR);
	}
	if (citusStmt)
		citusVersionKnownCompatible = false;

	if (prev_utility_hook)
		prev_utility_hook(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
	else
		standard_ProcessUtility(pstmt, queryString, readOnlyTree, context, params, queryEnv,
								dest, qc);
}


void
_PG_init(void)
{
	if (!process_shared_preload_libraries_in_progress)
	{
		ereport(ERROR, (errmsg("Citus can only be loaded via shared_preload_libraries"),
						errhint("Add citus to shared_preload_libraries configuration "
								"variable in postgresql.conf in master and workers. Note "
								"that citus should be at the beginning of "
								"shared_preload_libraries.")));
	}

	/* Citus insists that no other library installed these hooks before it */
	if (planner_hook != NULL || ProcessUtility_hook != NULL ||
		ExecutorStart_hook != NULL || ExecutorRun_hook != NULL ||
		ExplainOneQuery_hook != NULL)
	{
		ereport(ERROR, (errmsg("Citus has to be loaded first"),
						errhint("Place citus at the beginning of "
								"shared_preload_libraries.")));
	}

	/*
	 * Install a pass-through planner hook, as Citus installs its own, so that
	 * a library listed after citus sees a hook and behaves as it would with
	 * real Citus.
	 */
	prev_planner_hook = planner_hook;
	planner_hook = emulator_planner;

	/* the version checks of Citus's utility hook on CREATE/ALTER EXTENSION citus */
	prev_utility_hook = ProcessUtility_hook;
	ProcessUtility_hook = emulator_utility;

	DefineCustomIntVariable("citus.shard_count",
							"Sets the number of shards for a new hash-partitioned table "
							"created with create_distributed_table().",
							NULL, &ShardCount, 32, 1, 64000,
							PGC_USERSET, 0, NULL, NULL, NULL);

	DefineCustomIntVariable("citus.shard_replication_factor",
							"Sets the replication factor for shards.",
							"Shards are replicated across nodes according to this "
							"replication factor. Note that shards read this "
							"configuration value at sharded table creation time, "
							"and later reuse the initially read value.",
							&ShardReplicationFactor, 1, 1, 100,
							PGC_USERSET, 0, NULL, NULL, NULL);

	DefineCustomStringVariable("citus.node_conninfo",
							   "Sets parameters used for outbound connections.",
							   NULL, &NodeConninfo, "sslmode=require",
							   PGC_SIGHUP, GUC_SUPERUSER_ONLY, NodeConninfoCheckHook, NULL, NULL);

	DefineCustomEnumVariable("citus.use_secondary_nodes",
							 "Sets the policy to use when choosing nodes for SELECT queries.",
							 NULL, &ReadFromSecondaries, 0, use_secondary_nodes_options,
							 PGC_SU_BACKEND, 0, NULL, NULL, NULL);

	DefineCustomStringVariable("citus.local_hostname",
							   "Sets the hostname when connecting back to itself.",
							   NULL, &LocalHostName, "localhost",
							   PGC_SUSET, 0, NULL, NULL, NULL);

	DefineCustomBoolVariable("citus.enable_ddl_propagation",
							 "Enables propagating DDL statements to worker shards",
							 NULL, &EnableDDLPropagation, true,
							 PGC_USERSET, GUC_NO_SHOW_ALL | GUC_NOT_IN_SAMPLE,
							 NULL, NULL, NULL);

	DefineCustomIntVariable("citus.max_background_task_executors",
							"Sets the maximum number of parallel task executor workers for "
							"scheduled background tasks",
							NULL, &MaxBackgroundTaskExecutors, 1, 1, 128,
							PGC_SIGHUP, 0, NULL, NULL, NULL);

	DefineCustomIntVariable("citus.background_task_queue_interval",
							"Time to wait between checks for scheduled background tasks.",
							NULL, &BackgroundTaskQueueInterval, 5000, -1, 7 * 24 * 3600 * 1000,
							PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);

	DefineCustomStringVariable("citus.cluster_name",
							   "Which cluster this node is a part of",
							   NULL, &CurrentCluster, "default",
							   PGC_SU_BACKEND, 0, NULL, NULL, NULL);

	DefineCustomEnumVariable("citus.metadata_sync_mode",
							 "Sets transaction mode for metadata syncs.",
							 NULL, &MetadataSyncMode, 0, metadata_sync_mode_options,
							 PGC_SUSET, GUC_SUPERUSER_ONLY | GUC_NO_SHOW_ALL | GUC_NOT_IN_SAMPLE,
							 NULL, NULL, NULL);

	DefineCustomIntVariable("citus.node_connection_timeout",
							"Sets the maximum duration to connect to worker nodes.",
							NULL, &NodeConnectionTimeout, 30000, 10, 60 * 60 * 1000,
							PGC_USERSET, GUC_UNIT_MS, NULL, NULL, NULL);

	DefineCustomBoolVariable("citus.enable_version_checks",
							 "Enables version checks during CREATE/ALTER EXTENSION commands",
							 NULL, &EnableVersionChecks, true,
							 PGC_USERSET, GUC_NO_SHOW_ALL | GUC_NOT_IN_SAMPLE, NULL, NULL, NULL);

	DefineCustomBoolVariable("citus.check_available_space_before_move",
							 "When enabled will check free disk space before a shard move",
							 NULL, &CheckAvailableSpaceBeforeMove, true,
							 PGC_USERSET, 0, NULL, NULL, NULL);

	/* not a Citus setting: marks the emulator in SHOW ALL */
	DefineCustomStringVariable("citus.emulator",
							   "This server runs the Citus API emulator (metadata only), "
							   "not Citus.",
							   NULL, &EmulatorHint, "Citus API emulator (metadata only)",
							   PGC_INTERNAL, 0, NULL, NULL, NULL);
}


/*
 * strip_libpq_prefix returns a libpq connection error the way Citus prints it:
 * Citus connects without blocking and libpq then reports no
 * 'connection to server at "H" (A), port P failed: ' prefix, so the emulator
 * (which connects with PQconnectdbParams) removes it from every line. The
 * following lines (e.g. libpq's "Is the server running ..." hint) stay, as
 * they do in Citus's message; only the final newline goes.
 */
static char *
strip_libpq_prefix(const char *message)
{
	StringInfoData out;
	char	   *copy = pchomp(message ? message : "");
	char	   *line = copy;

	initStringInfo(&out);
	while (line != NULL)
	{
		char	   *next = strchr(line, '\n');

		if (next != NULL)
			*next++ = '\0';
		if (strncmp(line, "connection to server ", 21) == 0 && strstr(line, " failed: ") != NULL)
			line = strstr(line, " failed: ") + strlen(" failed: ");
		if (out.len > 0)
			appendStringInfoChar(&out, '\n');
		appendStringInfoString(&out, line);
		line = next;
	}
	if (out.len == 0)
		appendStringInfoString(&out, "connection not open");
	return out.data;
}


/*
 * emulator_connect opens a connection to nodeName:nodePort the way Citus opens
 * its node connections: citus.node_conninfo, the current database and user
 * (libpq reads the server's .pgpass / PGPASSFILE), authInfo (from
 * pg_dist_authinfo) appended when given, citus.node_connection_timeout.
 * Returns NULL and sets *errorMessage (Citus's wording of libpq's message)
 * when the connection fails.
 */
static PGconn *
emulator_connect(const char *nodeName, int32 nodePort, const char *authInfo,
				 char **errorMessage)
{
	char	   *userName = GetUserNameFromId(GetUserId(), false);
	char		portString[12];
	char		timeoutString[12];
	const char *keywords[64];
	const char *values[64];
	int			n = 0;
	PQconninfoOption *options = NULL;
	PQconninfoOption *authOptions = NULL;
	char	   *parseError = NULL;
	PGconn	   *conn;

	*errorMessage = NULL;
	if (NodeConninfo != NULL && NodeConninfo[0] != '\0')
	{
		options = PQconninfoParse(NodeConninfo, &parseError);
		if (options == NULL)
		{
			*errorMessage = parseError ? strip_libpq_prefix(parseError) : pstrdup("out of memory");
			return NULL;
		}
		for (PQconninfoOption *option = options; option->keyword != NULL; option++)
		{
			if (option->val == NULL || option->val[0] == '\0')
				continue;
			if (n >= 48)
				break;
			keywords[n] = option->keyword;
			values[n] = option->val;
			n++;
		}
	}
	if (authInfo != NULL && authInfo[0] != '\0')
	{
		authOptions = PQconninfoParse(authInfo, &parseError);
		if (authOptions != NULL)
		{
			for (PQconninfoOption *option = authOptions; option->keyword != NULL; option++)
			{
				if (option->val == NULL || option->val[0] == '\0')
					continue;
				if (n >= 54)
					break;
				keywords[n] = option->keyword;
				values[n] = option->val;
				n++;
			}
		}
	}

	snprintf(portString, sizeof(portString), "%d", nodePort);
	snprintf(timeoutString, sizeof(timeoutString), "%d",
			 Max(2, NodeConnectionTimeout / 1000));

	keywords[n] = "host";
	values[n++] = nodeName;
	keywords[n] = "port";
	values[n++] = portString;
	keywords[n] = "dbname";
	values[n++] = get_database_name(MyDatabaseId);
	keywords[n] = "user";
	values[n++] = userName;
	keywords[n] = "connect_timeout";
	values[n++] = timeoutString;
	keywords[n] = "fallback_application_name";
	values[n++] = "citus_internal gpid=0";
	keywords[n] = NULL;
	values[n] = NULL;

	conn = PQconnectdbParams(keywords, values, false);
	if (options)
		PQconninfoFree(options);
	if (authOptions)
		PQconninfoFree(authOptions);

	if (conn == NULL || PQstatus(conn) != CONNECTION_OK)
	{
		*errorMessage = strip_libpq_prefix(conn ? PQerrorMessage(conn) : NULL);
		if (conn)
			PQfinish(conn);
		return NULL;
	}
	return conn;
}


PG_FUNCTION_INFO_V1(emulator_remote_query);

/*
 * emulator_remote_query(nodename text, nodeport int, query text,
 *						 authinfo text DEFAULT NULL, raise_error bool DEFAULT true)
 *
 * Connects to nodename:nodeport (see emulator_connect), runs query and returns
 * the first column of the first row (NULL when there is none).
 *
 * Errors use Citus's texts. When the query fails and raise_error is false,
 * NULL is returned instead (a failed connection always raises).
 */
Datum
emulator_remote_query(PG_FUNCTION_ARGS)
{
	char	   *nodeName;
	int32		nodePort;
	char	   *query;
	char	   *authInfo = NULL;
	bool		raiseError = true;
	char	   *connectError = NULL;
	PGconn	   *conn;
	PGresult   *result;
	text	   *answer = NULL;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_NULL();

	nodeName = text_to_cstring(PG_GETARG_TEXT_PP(0));
	nodePort = PG_GETARG_INT32(1);
	query = text_to_cstring(PG_GETARG_TEXT_PP(2));
	if (PG_NARGS() > 3 && !PG_ARGISNULL(3))
		authInfo = text_to_cstring(PG_GETARG_TEXT_PP(3));
	if (PG_NARGS() > 4 && !PG_ARGISNULL(4))
		raiseError = PG_GETARG_BOOL(4);

	conn = emulator_connect(nodeName, nodePort, authInfo, &connectError);
	if (conn == NULL)
	{
		error_context_stack = NULL;
		ereport(ERROR, (errcode(ERRCODE_CONNECTION_FAILURE),
						errmsg("connection to the remote node %s@%s:%d failed with the "
							   "following error: %s",
							   GetUserNameFromId(GetUserId(), false), nodeName, nodePort,
							   connectError)));
	}

	result = PQexec(conn, query);
	if (PQresultStatus(result) != PGRES_TUPLES_OK &&
		PQresultStatus(result) != PGRES_COMMAND_OK)
	{
		char	   *primary = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
		char	   *detail = PQresultErrorField(result, PG_DIAG_MESSAGE_DETAIL);
		char	   *hint = PQresultErrorField(result, PG_DIAG_MESSAGE_HINT);
		char	   *sqlstate = PQresultErrorField(result, PG_DIAG_SQLSTATE);
		int			code = ERRCODE_INTERNAL_ERROR;

		if (!raiseError)
		{
			PQclear(result);
			PQfinish(conn);
			PG_RETURN_NULL();
		}

		primary = pstrdup(primary ? primary : pchomp(PQerrorMessage(conn)));
		detail = detail ? pstrdup(detail) : NULL;
		hint = hint ? pstrdup(hint) : NULL;
		if (sqlstate != NULL && strlen(sqlstate) == 5)
			code = MAKE_SQLSTATE(sqlstate[0], sqlstate[1], sqlstate[2],
								 sqlstate[3], sqlstate[4]);
		PQclear(result);
		PQfinish(conn);

		/* what Citus prints when a command of a critical remote transaction fails */
		error_context_stack = NULL;
		ereport(WARNING, (errcode(code), errmsg("%s", primary),
						  detail ? errdetail("%s", detail) : 0,
						  hint ? errhint("%s", hint) : 0,
						  errcontext("while executing command on %s:%d",
									 nodeName, nodePort)));
		ereport(ERROR, (errmsg("failure on connection marked as essential: %s:%d",
							   nodeName, nodePort)));
	}

	if (PQresultStatus(result) == PGRES_TUPLES_OK && PQntuples(result) > 0 &&
		PQnfields(result) > 0 && !PQgetisnull(result, 0, 0))
	{
		answer = cstring_to_text(PQgetvalue(result, 0, 0));
	}
	PQclear(result);
	PQfinish(conn);

	if (answer == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(answer);
}


/*
 * run_result_text stores in *result what Citus's EvaluateSingleQueryResult
 * reports for a command's result, and returns whether it counts as success:
 * the command tag, the single value of a single-column result of at most one
 * row ('' for none or NULL), or the first line of libpq's error message.
 */
static bool
run_result_text(PGconn *conn, PGresult *queryResult, StringInfo result)
{
	ExecStatusType status = PQresultStatus(queryResult);

	if (status == PGRES_COMMAND_OK)
	{
		appendStringInfoString(result, PQcmdStatus(queryResult));
		return true;
	}
	if (status == PGRES_TUPLES_OK)
	{
		if (PQnfields(queryResult) != 1)
		{
			appendStringInfoString(result, "expected a single column in query target");
			return false;
		}
		if (PQntuples(queryResult) > 1)
		{
			appendStringInfoString(result, "expected a single row in query result");
			return false;
		}
		if (PQntuples(queryResult) == 1 && !PQgetisnull(queryResult, 0, 0))
			appendStringInfoString(result, PQgetvalue(queryResult, 0, 0));
		return true;
	}
	else
	{
		char	   *message = pstrdup(PQerrorMessage(conn));
		char	   *newline = strchr(message, '\n');

		if (newline != NULL)
			*newline = '\0';
		appendStringInfoString(result, message[0] ? message :
							   "An error occurred while running the query");
		return false;
	}
}


PG_FUNCTION_INFO_V1(emulator_run_command);

/*
 * emulator_run_command(nodename text, nodeport int, command text,
 *						authinfo text, application_name text,
 *						OUT success bool, OUT result text)
 *
 * What Citus's master_run_on_worker does for one node: a new connection (see
 * emulator_connect), SET application_name, the command; never raises. A
 * connection that fails gives (false, 'failed to connect to HOST:PORT'),
 * a command (success, its result as run_result_text reports it).
 */
Datum
emulator_run_command(PG_FUNCTION_ARGS)
{
	char	   *nodeName = text_to_cstring(PG_GETARG_TEXT_PP(0));
	int32		nodePort = PG_GETARG_INT32(1);
	char	   *command = text_to_cstring(PG_GETARG_TEXT_PP(2));
	char	   *authInfo = PG_ARGISNULL(3) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(3));
	char	   *applicationName = PG_ARGISNULL(4) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(4));
	char	   *connectError = NULL;
	StringInfoData result;
	bool		success = false;
	PGconn	   *conn;
	TupleDesc	tupleDesc;
	Datum		values[2];
	bool		nulls[2] = {false, false};

	if (get_call_result_type(fcinfo, NULL, &tupleDesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "emulator_run_command must return a record");
	tupleDesc = BlessTupleDesc(tupleDesc);

	initStringInfo(&result);
	conn = emulator_connect(nodeName, nodePort, authInfo, &connectError);
	if (conn == NULL)
		appendStringInfo(&result, "failed to connect to %s:%d", nodeName, nodePort);
	else
	{
		PGresult   *queryResult;

		success = true;
		if (applicationName != NULL)
		{
			char	   *quoted = PQescapeLiteral(conn, applicationName, strlen(applicationName));
			char	   *set = psprintf("SET application_name TO %s", quoted ? quoted : "''");

			if (quoted)
				PQfreemem(quoted);
			queryResult = PQexec(conn, set);
			success = run_result_text(conn, queryResult, &result);
			PQclear(queryResult);
			resetStringInfo(&result);
		}
		if (success)
		{
			queryResult = PQexec(conn, command);
			success = run_result_text(conn, queryResult, &result);
			PQclear(queryResult);
		}
		PQfinish(conn);
	}

	values[0] = BoolGetDatum(success);
	values[1] = CStringGetTextDatum(result.data);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupleDesc, values, nulls)));
}


PG_FUNCTION_INFO_V1(emulator_connection_error);

/*
 * emulator_connection_error(nodename text, nodeport int, authinfo text)
 *
 * NULL when a node connection (see emulator_connect) to nodename:nodeport
 * opens, else Citus's text for the failure ('connection to the remote node
 * USER@HOST:PORT failed with the following error: ...').
 */
Datum
emulator_connection_error(PG_FUNCTION_ARGS)
{
	char	   *nodeName = text_to_cstring(PG_GETARG_TEXT_PP(0));
	int32		nodePort = PG_GETARG_INT32(1);
	char	   *authInfo = PG_ARGISNULL(2) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(2));
	char	   *connectError = NULL;
	PGconn	   *conn = emulator_connect(nodeName, nodePort, authInfo, &connectError);

	if (conn != NULL)
	{
		PQfinish(conn);
		PG_RETURN_NULL();
	}
	PG_RETURN_TEXT_P(cstring_to_text(psprintf("connection to the remote node %s@%s:%d failed "
											  "with the following error: %s",
											  GetUserNameFromId(GetUserId(), false),
											  nodeName, nodePort, connectError)));
}


PG_FUNCTION_INFO_V1(emulator_library_listed);

/*
 * emulator_library_listed(list text, library text)
 *
 * Whether a list setting's value (as SHOW prints it, e.g. output_plugin_libraries)
 * names library exactly: the elements are split as PostgreSQL splits them
 * (commas, white space around them ignored, double quotes around an element
 * with commas or spaces). NULL for a value that does not parse.
 */
Datum
emulator_library_listed(PG_FUNCTION_ARGS)
{
	char	   *raw = text_to_cstring(PG_GETARG_TEXT_PP(0));
	char	   *library = text_to_cstring(PG_GETARG_TEXT_PP(1));
	List	   *elements = NIL;
	ListCell   *cell;

	if (!SplitGUCList(raw, ',', &elements))
		PG_RETURN_NULL();
	foreach(cell, elements)
	{
		if (strcmp((char *) lfirst(cell), library) == 0)
			PG_RETURN_BOOL(true);
	}
	PG_RETURN_BOOL(false);
}


PG_FUNCTION_INFO_V1(emulator_resolve_host);

/*
 * emulator_resolve_host(hostname text)
 *
 * The address Citus 13.2's EnsureValidCloneMode (clonenode_utils.c) matches
 * against pg_stat_replication.client_addr: the first IPv4 or IPv6 address
 * getaddrinfo() returns for the name (AF_UNSPEC, SOCK_STREAM, AI_PASSIVE),
 * NULL when the name does not resolve.
 */
Datum
emulator_resolve_host(PG_FUNCTION_ARGS)
{
	char	   *hostname = text_to_cstring(PG_GETARG_TEXT_PP(0));
	struct addrinfo hints;
	struct addrinfo *result;
	char		address[INET6_ADDRSTRLEN];
	bool		found = false;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	if (getaddrinfo(hostname, NULL, &hints, &result) != 0)
		PG_RETURN_NULL();
	for (struct addrinfo *rp = result; rp != NULL; rp = rp->ai_next)
	{
		if (rp->ai_family == AF_INET)
		{
			inet_ntop(AF_INET, &((struct sockaddr_in *) rp->ai_addr)->sin_addr, address, sizeof(address));
			found = true;
			break;
		}
		if (rp->ai_family == AF_INET6)
		{
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *) rp->ai_addr)->sin6_addr, address, sizeof(address));
			found = true;
			break;
		}
	}
	freeaddrinfo(result);
	if (!found)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(address));
}


PG_FUNCTION_INFO_V1(emulator_raise);

/*
 * emulator_raise(level text, sqlstate text, message text, detail text,
 *				  hint text, context text)
 *
 * Raises a message the way a C function of Citus does: without the
 * "PL/pgSQL function ... line N" context lines the SQL part of the emulator
 * would otherwise add. level is 'ERROR', 'WARNING' or 'NOTICE'.
 */
Datum
emulator_raise(PG_FUNCTION_ARGS)
{
	char	   *level = PG_ARGISNULL(0) ? "ERROR" : text_to_cstring(PG_GETARG_TEXT_PP(0));
	char	   *sqlstate = PG_ARGISNULL(1) ? "XX000" : text_to_cstring(PG_GETARG_TEXT_PP(1));
	char	   *message = PG_ARGISNULL(2) ? "" : text_to_cstring(PG_GETARG_TEXT_PP(2));
	char	   *detail = PG_ARGISNULL(3) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(3));
	char	   *hint = PG_ARGISNULL(4) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(4));
	char	   *context = PG_ARGISNULL(5) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(5));
	int			elevel = ERROR;
	int			code;
	ErrorContextCallback *saved = error_context_stack;

	if (pg_strcasecmp(level, "WARNING") == 0)
		elevel = WARNING;
	else if (pg_strcasecmp(level, "NOTICE") == 0)
		elevel = NOTICE;
	else if (pg_strcasecmp(level, "DEBUG") == 0)
		elevel = DEBUG1;
	if (strlen(sqlstate) != 5)
		sqlstate = "XX000";
	code = MAKE_SQLSTATE(sqlstate[0], sqlstate[1], sqlstate[2], sqlstate[3], sqlstate[4]);

	error_context_stack = NULL;
	ereport(elevel, (errcode(code), errmsg("%s", message),
					 detail ? errdetail("%s", detail) : 0,
					 hint ? errhint("%s", hint) : 0,
					 context ? errcontext("%s", context) : 0));
	error_context_stack = saved;
	PG_RETURN_VOID();
}


/*
 * NodeConninfoCheckHook refuses what Citus refuses in citus.node_conninfo, with
 * its details: a URI, a string libpq cannot parse, a keyword outside the allow
 * list. (A refused value in postgresql.conf keeps the previous one, as with
 * Citus: the server logs the detail and goes on with sslmode=require.)
 */
static bool
NodeConninfoCheckHook(char **newval, void **extra, GucSource source)
{
	PQconninfoOption *options;
	const char *value = *newval;

	if (value == NULL)
		return true;
	if (strncmp(value, "postgresql://", 13) == 0 || strncmp(value, "postgres://", 11) == 0)
	{
		GUC_check_errdetail("Citus connection info strings must be in 'k1=v1 k2=v2 [...] kn=vn' format");
		return false;
	}
	options = PQconninfoParse(value, NULL);
	if (options == NULL)
	{
		GUC_check_errdetail("Provided string is not a valid libpq connection info string");
		return false;
	}
	for (PQconninfoOption *option = options; option->keyword != NULL; option++)
	{
		bool		allowed = false;

		if (option->val == NULL || option->val[0] == '\0')
			continue;
		for (size_t i = 0; i < lengthof(NodeConninfoKeywords); i++)
		{
			if (strcmp(option->keyword, NodeConninfoKeywords[i]) == 0)
			{
				allowed = true;
				break;
			}
		}
		if (!allowed)
		{
			GUC_check_errdetail("Prohibited conninfo keyword detected: %s", option->keyword);
			PQconninfoFree(options);
			return false;
		}
	}
	PQconninfoFree(options);
	return true;
}


/*
 * ParseVersionComponent and MinorVersionsCompatibleRelaxed compare versions as
 * Citus 13.2 does (metadata_cache.c): the same major version and minor versions
 * at most 1 apart; the schema version after '-' is ignored. So a 13.2 library
 * works with a 13.1-1 extension, and not with 13.0-1 or 12.1-1.
 */
static int
ParseVersionComponent(const char *version, char **endPtr)
{
	long int	val;

	errno = 0;
	val = strtol(version, endPtr, 10);
	if (errno == ERANGE || val > INT_MAX || val < INT_MIN)
		ereport(ERROR, (errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
						errmsg("Invalid integer in version string")));
	return (int) val;
}


static bool
MinorVersionsCompatibleRelaxed(const char *leftVersion, const char *rightVersion)
{
	char	   *leftSep;
	char	   *rightSep;
	int			leftMajor = ParseVersionComponent(leftVersion, &leftSep);
	int			rightMajor = ParseVersionComponent(rightVersion, &rightSep);
	int			leftMinor;
	int			rightMinor;

	if (leftMajor != rightMajor)
		return false;
	leftMinor = (*leftSep == '.') ? ParseVersionComponent(leftSep + 1, &leftSep) : 0;
	rightMinor = (*rightSep == '.') ? ParseVersionComponent(rightSep + 1, &rightSep) : 0;
	return leftMinor - rightMinor >= -1 && leftMinor - rightMinor <= 1;
}


/* one text value of a catalog query, NULL for no row */
static char *
QueryOneText(const char *query)
{
	char	   *result = NULL;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute(query, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute failed: %s", query);
	if (SPI_processed > 0)
	{
		char	   *value = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);

		if (value != NULL)
			result = MemoryContextStrdup(TopTransactionContext, value);
	}
	SPI_finish();
	return result;
}


/*
 * CheckVersionOf compares the version a catalog query returns with the
 * library's (no row: nothing to compare) and reports a mismatch with elevel and
 * Citus's message, its detail (a format taking the library's and the other
 * version) and hint.
 */
static bool
CheckVersionOf(int elevel, const char *query, const char *message, const char *detail,
			   const char *hint)
{
	char	   *version = QueryOneText(query);

	if (version == NULL || MinorVersionsCompatibleRelaxed(version, CITUS_EXTENSIONVERSION))
		return true;
	ereport(elevel, (errmsg("%s", message),
					 errdetail(detail, CITUS_MAJORVERSION, version),
					 errhint("%s", hint)));
	return false;
}


/*
 * CheckAvailableVersion: the control file's default_version must be compatible
 * with the library (Citus's message: the server still runs an older library
 * after a package upgrade, or a newer one after a downgrade).
 */
static bool
CheckAvailableVersion(int elevel)
{
	if (!EnableVersionChecks)
		return true;
	return CheckVersionOf(elevel,
						  "SELECT default_version FROM pg_catalog.pg_available_extensions "
						  "WHERE name = 'citus'",
						  "loaded Citus library version differs from latest available extension version",
						  "Loaded library requires %s, but the latest control file specifies %s.",
						  "Restart the database to load the latest Citus library.");
}


PG_FUNCTION_INFO_V1(emulator_check_version);

/*
 * emulator_check_version() is Citus's CheckCitusVersion(ERROR), which its node,
 * table and rebalancer functions call first: the library must be compatible
 * with the control file and with the installed extension, else the error says
 * which and how to fix it. Skipped while the extension is being created or
 * updated and with citus.enable_version_checks off; once it passed, it is not
 * checked again in the session (as in Citus) until the next CREATE/ALTER
 * EXTENSION citus.
 */
Datum
emulator_check_version(PG_FUNCTION_ARGS)
{
	ErrorContextCallback *saved = error_context_stack;

	if (citusVersionKnownCompatible || !EnableVersionChecks || creating_extension)
		PG_RETURN_VOID();

	/* raised as Citus's C functions raise it: without PL/pgSQL context lines */
	error_context_stack = NULL;
	if (CheckAvailableVersion(ERROR) &&
		CheckVersionOf(ERROR,
					   "SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'citus'",
					   "loaded Citus library version differs from installed extension version",
					   "Loaded library requires %s, but the installed extension version is %s.",
					   "Run ALTER EXTENSION citus UPDATE and try again."))
		citusVersionKnownCompatible = true;
	error_context_stack = saved;
	PG_RETURN_VOID();
}


PG_FUNCTION_INFO_V1(emulator_library_version);

/* emulator_library_version(): the library's Citus version, e.g. 13.2.2 */
Datum
emulator_library_version(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(CITUS_VERSION));
}
