"""Unit tests of citus_info's pure builders."""

from __future__ import annotations

import json

from ansible_collections.pgcitus.cluster.plugins.module_utils import _citus_info as citus_info

NODES = [
    dict(nodeid=1, groupid=0, name='c1', port=5432, role='primary'),
    dict(nodeid=2, groupid=1, name='w1', port=5432, role='primary'),
    dict(nodeid=4, groupid=1, name='w1r', port=5432, role='secondary'),
    dict(nodeid=3, groupid=2, name='w2', port=5433, role='primary'),
]


def test_group_endpoints_prefers_the_primary():
    assert citus_info.group_endpoints(NODES) == {0: 'c1:5432', 1: 'w1:5432', 2: 'w2:5433'}
    assert citus_info.group_endpoints([dict(nodeid=9, groupid=5, name='s', port=1, role='secondary')]) == {5: 's:1'}


def test_build_tables_and_colocation():
    rows = [
        dict(name='public.customers', partmethod='n', repmodel='t', colocationid=1, column=None, shard_count=1,
             replication_factor=-1),
        dict(name='public.order_items', partmethod='h', repmodel='c', colocationid=2, column='customer_id',
             shard_count=32, replication_factor=2),
        dict(name='public.orders', partmethod='h', repmodel='c', colocationid=2, column='customer_id', shard_count=32,
             replication_factor=2),
    ]
    placements = [
        dict(name='public.customers', groupid=0, placements=1), dict(name='public.customers', groupid=1, placements=1),
        dict(name='public.orders', groupid=1, placements=32), dict(name='public.orders', groupid=2, placements=32),
        dict(name='public.orders', groupid=7, placements=1),
    ]
    tables = citus_info.build_tables(rows, placements, citus_info.group_endpoints(NODES))
    assert tables[0] == {'name': 'public.customers', 'type': 'reference', 'column': None, 'shard_count': 1,
                         'colocation_id': 1, 'replication_factor': None,
                         'placements': {'c1:5432': 1, 'w1:5432': 1}}
    assert tables[1]['placements'] == {}
    assert tables[2]['placements'] == {'w1:5432': 32, 'w2:5433': 32, 'group 7': 1}
    groups = citus_info.build_colocation(
        [dict(colocation_id=1, shard_count=1, replication_factor=-1, column_type=None),
         dict(colocation_id=2, shard_count=32, replication_factor=2, column_type='bigint'),
         dict(colocation_id=3, shard_count=8, replication_factor=1, column_type='integer')], tables)
    assert groups[0]['replication_factor'] is None and groups[0]['tables'] == ['public.customers']
    assert groups[1] == {'colocation_id': 2, 'shard_count': 32, 'replication_factor': 2, 'column_type': 'bigint',
                         'tables': ['public.order_items', 'public.orders']}
    assert groups[2]['tables'] == []


def test_jsonable():
    import datetime
    import decimal
    assert citus_info.jsonable(decimal.Decimal('1.5')) == '1.5'
    assert citus_info.jsonable(datetime.date(2026, 1, 2)) == '2026-01-02'
    assert citus_info.jsonable(3) == 3 and citus_info.jsonable(None) is None


class FakeDB:
    """Answers citus_info's queries from canned rows."""

    def __init__(self, extension='13.2-1', jobs_catalog=True, plan_error=None):
        self.extension = extension
        self.jobs_catalog = jobs_catalog
        self.plan_error = plan_error
        self.seen: list[str] = []

    def citus_version(self):
        return self.extension

    def fetchone(self, query, params=None):
        self.seen.append(query)
        if query == citus_info.VERSIONS:
            return {'citus': 'Citus 13.2.2 on x86_64', 'server': '15.20', 'server_num': 150020}
        if query == citus_info.JOBS_EXIST:
            return {'present': self.jobs_catalog}
        if 'server_version' in query:
            return {'server': '15.20', 'server_num': 150020}
        raise AssertionError(query)

    def fetchall(self, query, params=None):
        self.seen.append(query)
        if query == citus_info.NODES:
            return [dict(n, shard_placements=3) for n in NODES[:2]]
        if query == citus_info.TABLES:
            return [dict(name='public.users', partmethod='h', repmodel='s', colocationid=1, column='id',
                         shard_count=2, replication_factor=1)]
        if query == citus_info.PLACEMENTS:
            return [dict(name='public.users', groupid=1, placements=2)]
        if query == citus_info.COLOCATION:
            return [dict(colocation_id=1, shard_count=2, replication_factor=1, column_type='bigint')]
        if query == citus_info.JOBS:
            assert self.jobs_catalog, 'JOBS read although the catalog is missing'
            return [dict(job_id=7, state='running', job_type='rebalance', description='Rebalance all colocation groups',
                         started_at='2026-11-22 18:00:00+00')]
        raise AssertionError(query)

    def try_fetchall(self, query, params=None):
        assert query == citus_info.PLAN
        if self.plan_error:
            return [], self.plan_error
        return [dict(table_name='users', shardid=102008, shard_size=0, sourcename='w1', sourceport=5432,
                     targetname='w2', targetport=5432)], None


def test_gather_everything():
    warnings: list[str] = []
    facts = citus_info.gather(FakeDB(), True, warnings.append)
    assert facts['citus_installed'] is True and warnings == []
    assert facts['version'] == {'citus': 'Citus 13.2.2 on x86_64', 'citus_extension': '13.2-1', 'server': '15.20',
                                'server_num': 150020}
    assert facts['tables'][0]['placements'] == {'w1:5432': 2}
    assert facts['colocation_groups'][0]['tables'] == ['public.users']
    assert facts['rebalance']['plan_size'] == 1 and facts['rebalance']['plan'][0]['shardid'] == 102008
    assert facts['rebalance']['jobs_supported'] is True and facts['rebalance']['jobs'][0]['job_id'] == 7


def test_gather_without_the_jobs_catalog_and_with_a_failing_plan():
    warnings: list[str] = []
    db = FakeDB(jobs_catalog=False, plan_error='query failed: boom')
    facts = citus_info.gather(db, True, warnings.append)
    assert facts['rebalance'] == {'plan_size': None, 'plan': [], 'jobs': [], 'jobs_supported': False}
    assert warnings == ['could not compute the rebalance plan: query failed: boom']
    assert citus_info.JOBS not in db.seen


def test_gather_without_plan_and_without_citus():
    facts = citus_info.gather(FakeDB(), False, lambda msg: None)
    assert facts['rebalance']['plan_size'] is None
    bare = citus_info.gather(FakeDB(extension=None), True, lambda msg: None)
    assert bare['citus_installed'] is False and bare['nodes'] == [] and bare['version']['citus'] is None
    assert bare['version']['server_num'] == 150020


class ReplicationDB:
    """Answers the replication queries: the coordinator's own, and run_command_on_workers's rows."""

    def __init__(self, local=(), workers=(), error=None):
        self.local, self.workers, self.error = list(local), list(workers), error
        self.seen: list[str] = []

    def try_fetchall(self, query, params=None):
        self.seen.append(query)
        if query == citus_info.REPLICATION:
            return self.local, None
        assert query == citus_info.WORKERS_REPLICATION
        return self.workers, self.error


STREAM = {'application_name': 'w1r', 'client_addr': '10.0.0.13', 'state': 'streaming', 'sync_state': 'quorum',
          'replay_lag_bytes': 0}


def test_groups_without_secondaries_make_no_connection_to_the_workers():
    db = ReplicationDB()
    nodes = [n for n in NODES if n['role'] == 'primary']
    assert citus_info.read_replication(db, nodes) == {} and db.seen == []
    assert citus_info.build_groups(nodes, {})[1] == {'group': 1, 'primary': 'w1:5432', 'secondaries': [],
                                                     'replication': [], 'replication_error': None}


def test_groups_report_each_primary_its_secondaries_and_its_streaming_replicas():
    db = ReplicationDB(workers=[dict(nodename='w1', nodeport=5432, success=True, result=json.dumps([STREAM])),
                                dict(nodename='w2', nodeport=5433, success=True, result='[]')])
    replication = citus_info.read_replication(db, NODES)
    assert db.seen == [citus_info.WORKERS_REPLICATION]
    assert citus_info.build_groups(NODES, replication) == [
        {'group': 0, 'primary': 'c1:5432', 'secondaries': [], 'replication': [], 'replication_error': None},
        {'group': 1, 'primary': 'w1:5432', 'secondaries': ['w1r:5432'], 'replication': [STREAM],
         'replication_error': None},
        {'group': 2, 'primary': 'w2:5433', 'secondaries': [], 'replication': [], 'replication_error': None},
    ]


def test_a_primary_that_cannot_be_reached_is_reported_not_raised():
    nodes = NODES + [dict(nodeid=5, groupid=0, name='c2', port=5432, role='secondary')]
    db = ReplicationDB(local=[dict(STREAM, application_name='c2')],
                       workers=[dict(nodename='w1', nodeport=5432, success=False,
                                     result='failed to connect to w1:5432')])
    groups = citus_info.build_groups(nodes, citus_info.read_replication(db, nodes))
    assert groups[0]['secondaries'] == ['c2:5432'] and groups[0]['replication'][0]['application_name'] == 'c2'
    assert groups[1]['replication'] == [] and groups[1]['replication_error'] == 'w1:5432: failed to connect to w1:5432'
    missing = citus_info.read_replication(ReplicationDB(), [n for n in NODES if n['groupid'] != 1 or
                                                             n['role'] == 'secondary'])
    assert missing == {1: ([], 'the primary is not active, or not registered')}
