"""citus_distributed_table and citus_reference_table on the seed scenario: check mode, real, again, absent,
redistribution with rows kept, and every refusal with the catalogs and the rows unchanged."""

from __future__ import annotations

from citus_module_runner import SEED_ROWS

ORDERS = dict(name='orders', column='customer_id', shard_count=32, replication_factor=2)
ORDERS_QUERIES = ['BEGIN', 'SET LOCAL citus.shard_replication_factor = 2',
                  "SELECT create_distributed_table('public.orders'::regclass, 'customer_id', shard_count => 32)",
                  'COMMIT']


def test_seed_orders_by_customer_id_32_shards_replication_factor_2(seeded):
    citus = seeded
    before, rows = citus.catalogs(), citus.all_rows()

    check = citus.ok('citus_distributed_table', check=True, diff=True, **ORDERS)
    assert check['changed'] is True
    assert check['queries'] == ORDERS_QUERIES
    assert check['rows_copied'] == SEED_ROWS['orders']
    assert check['diff']['before']['type'] == 'local'
    assert check['table'] == {'name': 'public.orders', 'type': 'distributed', 'column': 'customer_id',
                              'shard_count': 32, 'colocation_id': None, 'replication_factor': 2}
    assert citus.catalogs() == before

    real = citus.ok('citus_distributed_table', diff=True, **ORDERS)
    assert real['changed'] is True and real['queries'] == ORDERS_QUERIES
    assert real['rows_copied'] == SEED_ROWS['orders']
    table = citus.table('orders')
    assert table['partmethod'] == 'h' and table['column'] == 'customer_id'
    assert table['shards'] == 32 and table['shardcount'] == 32 and table['replicationfactor'] == 2
    placements = citus.placements_by_group('orders')
    assert sorted(placements) == sorted(citus.group_of(w) for w in citus.workers[:2])
    assert sum(placements.values()) == 64
    assert real['table'] == {'name': 'public.orders', 'type': 'distributed', 'column': 'customer_id',
                             'shard_count': 32, 'colocation_id': table['colocationid'], 'replication_factor': 2}
    assert real['diff']['after'] == real['table']
    assert citus.all_rows() == rows

    again = citus.ok('citus_distributed_table', **ORDERS)
    assert again['changed'] is False and again['queries'] == [] and again['rows_copied'] == 0
    assert again['table'] == real['table']
    # only the column given: still as asked
    assert citus.ok('citus_distributed_table', name='orders', column='customer_id')['changed'] is False

    # absent: back to a local table with every row
    check = citus.ok('citus_distributed_table', check=True, name='orders', state='absent')
    assert check['changed'] is True
    assert check['queries'] == ["SELECT undistribute_table('public.orders'::regclass)"]
    assert citus.table('orders') is not None
    gone = citus.ok('citus_distributed_table', name='orders', state='absent')
    assert gone['changed'] is True and gone['table']['type'] == 'local'
    assert citus.table('orders') is None
    assert citus.all_rows() == rows
    again = citus.ok('citus_distributed_table', name='orders', state='absent')
    assert again['changed'] is False and again['queries'] == []


def test_users_and_order_items_colocated_with_orders(seeded):
    citus = seeded
    rows = citus.all_rows()
    users = citus.ok('citus_distributed_table', name='users', column='id')
    assert users['queries'] == ["SELECT create_distributed_table('public.users'::regclass, 'id')"]
    assert users['table']['shard_count'] == 32 and users['table']['replication_factor'] == 1
    citus.ok('citus_distributed_table', **ORDERS)

    items = dict(name='public.order_items', column='customer_id', colocate_with='public.orders')
    expected = ['BEGIN', 'SET LOCAL citus.shard_replication_factor = 2',
                "SELECT create_distributed_table('public.order_items'::regclass, 'customer_id', "
                "colocate_with => 'public.orders')", 'COMMIT']
    check = citus.ok('citus_distributed_table', check=True, **items)
    assert check['queries'] == expected and citus.table('order_items') is None
    res = citus.ok('citus_distributed_table', **items)
    assert res['queries'] == expected
    assert citus.table('order_items')['colocationid'] == citus.table('orders')['colocationid']
    assert res['table']['colocation_id'] == citus.table('orders')['colocationid']
    assert res['table']['replication_factor'] == 2 and res['table']['shard_count'] == 32
    assert citus.ok('citus_distributed_table', **items)['changed'] is False
    assert citus.all_rows() == rows


def test_seed_mistake_order_items_by_order_id_colocated_with_orders(seeded):
    citus = seeded
    citus.ok('citus_distributed_table', **ORDERS)
    before, rows = citus.catalogs(), citus.all_rows()
    msg = citus.fails('citus_distributed_table', name='order_items', column='order_id', colocate_with='orders')
    assert 'cannot colocate public.order_items with public.orders' in msg
    assert 'order_id is integer' in msg and 'customer_id (bigint)' in msg and 'colocate_with: none' in msg
    assert citus.catalogs() == before and citus.all_rows() == rows


def test_same_type_other_column_warns(seeded):
    citus = seeded
    citus.ok('citus_distributed_table', name='users', column='id')
    citus.sql("CREATE TABLE visits (id bigint NOT NULL, user_id bigint NOT NULL, PRIMARY KEY (id))")
    res = citus.ok('citus_distributed_table', name='visits', column='id', colocate_with='users')
    assert res['changed'] is True
    assert citus.warnings(res) == []  # distributed by a column named like users' own (id): no warning
    citus.sql("CREATE TABLE sessions (sid bigint NOT NULL, id bigint NOT NULL, PRIMARY KEY (sid))")
    res = citus.ok('citus_distributed_table', name='sessions', column='sid', colocate_with='users')
    assert citus.warnings(res) == []  # 'id' is every table's own key: no guess
    citus.ok('citus_distributed_table', **ORDERS)
    citus.sql("CREATE TABLE returns (id bigint NOT NULL, order_ref bigint NOT NULL, customer_id bigint NOT NULL, "
              "PRIMARY KEY (order_ref, id))")
    res = citus.ok('citus_distributed_table', name='returns', column='order_ref', colocate_with='orders')
    assert any('public.returns is distributed by order_ref while public.orders is distributed by customer_id' in w
               for w in citus.warnings(res)), res.get('warnings')


def test_replication_factor_is_not_a_function_argument(seeded):
    """The seed passed replication_factor => 2 to create_distributed_table; the module sets the session setting."""
    citus = seeded
    before, rows = citus.catalogs(), citus.all_rows()
    msg = citus.fails('citus_distributed_table', name='orders', column='customer_id', replication_factor=3)
    assert 'replication_factor 3 exceeds the 2 nodes that can hold shards' in msg
    msg = citus.fails('citus_distributed_table', name='orders', column='customer_id', replication_factor=2,
                      concurrently=True)
    assert 'concurrently: true cannot create replicated shards' in msg
    assert citus.catalogs() == before and citus.all_rows() == rows
    # what the seed meant: the factor lands in pg_dist_colocation
    citus.ok('citus_distributed_table', **ORDERS)
    assert citus.table('orders')['replicationfactor'] == 2


def test_concurrently_with_replication_factor_1_where_the_server_default_is_2(seeded):
    citus = seeded
    db = citus.cluster.dbname
    citus.sql(f'ALTER DATABASE "{db}" SET citus.shard_replication_factor = 2')
    try:
        rows = citus.all_rows()
        res = citus.ok('citus_distributed_table', name='users', column='id', concurrently=True, replication_factor=1)
        assert res['queries'] == ['SET citus.shard_replication_factor = 1',
                                  "SELECT create_distributed_table_concurrently('public.users'::regclass, 'id')",
                                  'RESET citus.shard_replication_factor']
        assert citus.table('users')['replicationfactor'] == 1 and res['table']['replication_factor'] == 1
        assert citus.all_rows() == rows
        again = citus.ok('citus_distributed_table', name='users', column='id', concurrently=True,
                         replication_factor=1)
        assert again['changed'] is False and again['queries'] == []
    finally:
        citus.sql(f'ALTER DATABASE "{db}" RESET citus.shard_replication_factor')


def test_differences_refused_then_redistributed_with_rows_kept(seeded):
    citus = seeded
    citus.ok('citus_distributed_table', name='users', column='id')
    before, rows = citus.catalogs(), citus.all_rows()
    msg = citus.fails('citus_distributed_table', name='users', column='id', shard_count=16)
    assert 'table public.users is already distributed differently: shard count is 32 (asked: 16)' in msg
    assert 'allow_redistribute: true' in msg and 'nothing was changed' in msg
    assert citus.catalogs() == before and citus.all_rows() == rows

    expected = ["SELECT alter_distributed_table('public.users'::regclass, shard_count => 16)"]
    check = citus.ok('citus_distributed_table', check=True, name='users', column='id', shard_count=16,
                     allow_redistribute=True)
    assert check['queries'] == expected and check['rows_copied'] == SEED_ROWS['users']
    assert citus.catalogs() == before
    res = citus.ok('citus_distributed_table', name='users', column='id', shard_count=16, allow_redistribute=True)
    assert res['changed'] is True and res['queries'] == expected
    assert citus.table('users')['shards'] == 16 and res['table']['shard_count'] == 16
    assert citus.all_rows() == rows
    assert citus.ok('citus_distributed_table', name='users', column='id', shard_count=16,
                    allow_redistribute=True)['changed'] is False

    # a new replication factor needs undistribute + distribute
    res = citus.ok('citus_distributed_table', name='users', column='id', shard_count=16, replication_factor=2,
                   allow_redistribute=True)
    assert res['queries'] == ["SELECT undistribute_table('public.users'::regclass)", 'BEGIN',
                              'SET LOCAL citus.shard_replication_factor = 2',
                              "SELECT create_distributed_table('public.users'::regclass, 'id', shard_count => 16)",
                              'COMMIT']
    table = citus.table('users')
    assert table['replicationfactor'] == 2 and table['shards'] == 16
    assert citus.all_rows() == rows


def test_reference_table_lifecycle(seeded):
    citus = seeded
    rows = citus.all_rows()
    before = citus.catalogs()
    expected = ["SELECT create_reference_table('public.customers'::regclass)"]
    check = citus.ok('citus_reference_table', check=True, diff=True, name='customers')
    assert check['changed'] is True and check['queries'] == expected
    assert check['rows_copied'] == SEED_ROWS['customers'] and check['diff']['before']['type'] == 'local'
    assert citus.catalogs() == before

    res = citus.ok('citus_reference_table', name='customers')
    assert res['changed'] is True and res['queries'] == expected
    table = citus.table('customers')
    assert table['partmethod'] == 'n' and table['repmodel'] == 't' and table['shards'] == 1
    assert res['table']['type'] == 'reference' and res['table']['replication_factor'] is None
    groups = set(citus.placements_by_group('customers'))
    assert {citus.group_of(w) for w in citus.workers[:2]} <= groups
    assert citus.all_rows() == rows
    assert citus.ok('citus_reference_table', name='customers')['changed'] is False

    # a reference table is not a distributed table: the distributed module refuses, and leaves it for absent
    before = citus.catalogs()
    msg = citus.fails('citus_distributed_table', name='customers', column='id')
    assert 'it is a reference table' in msg and 'allow_redistribute' in msg
    res = citus.ok('citus_distributed_table', name='customers', state='absent')
    assert res['changed'] is False and any('citus_reference_table' in w for w in citus.warnings(res))
    assert citus.catalogs() == before and citus.all_rows() == rows

    gone = citus.ok('citus_reference_table', name='customers', state='absent')
    assert gone['queries'] == ["SELECT undistribute_table('public.customers'::regclass)"]
    assert citus.table('customers') is None and citus.all_rows() == rows
    assert citus.ok('citus_reference_table', name='customers', state='absent')['changed'] is False


def test_distributed_to_reference_only_when_allowed(seeded):
    citus = seeded
    citus.ok('citus_distributed_table', name='users', column='id')
    before, rows = citus.catalogs(), citus.all_rows()
    msg = citus.fails('citus_reference_table', name='users')
    assert 'public.users is a distributed table (distributed by id)' in msg and 'allow_redistribute: true' in msg
    assert citus.catalogs() == before and citus.all_rows() == rows
    res = citus.ok('citus_reference_table', name='users', allow_redistribute=True)
    assert res['queries'] == ["SELECT undistribute_table('public.users'::regclass)",
                              "SELECT create_reference_table('public.users'::regclass)"]
    assert citus.table('users')['repmodel'] == 't' and citus.all_rows() == rows
    # and back, through the distributed module
    res = citus.ok('citus_distributed_table', name='users', column='id', allow_redistribute=True)
    assert res['queries'] == ["SELECT undistribute_table('public.users'::regclass)",
                              "SELECT create_distributed_table('public.users'::regclass, 'id')"]
    assert citus.table('users')['partmethod'] == 'h' and citus.all_rows() == rows


def test_truncate_local_data(seeded):
    citus = seeded
    rows = citus.all_rows()
    res = citus.ok('citus_distributed_table', name='users', column='id', truncate_local_data=True)
    assert res['queries'] == ['BEGIN', "SELECT create_distributed_table('public.users'::regclass, 'id')",
                              "SELECT truncate_local_data_after_distributing_table('public.users'::regclass)",
                              'COMMIT']
    assert citus.all_rows() == rows


def test_missing_table_and_column(seeded):
    citus = seeded
    before, rows = citus.catalogs(), citus.all_rows()
    msg = citus.fails('citus_distributed_table', name='t_missing', column='id')
    assert f'table t_missing does not exist in database {citus.cluster.dbname}' in msg
    msg = citus.fails('citus_distributed_table', name='users', column='b')
    assert 'table public.users has no column b' in msg
    msg = citus.fails('citus_reference_table', name='nope.customers')
    assert 'table nope.customers does not exist' in msg
    assert citus.catalogs() == before and citus.all_rows() == rows


def test_names_are_identifiers_never_sql(seeded):
    citus = seeded
    before, rows = citus.catalogs(), citus.all_rows()
    msg = citus.fails('citus_distributed_table', name="users; DROP TABLE users", column='id')
    assert 'users; DROP TABLE users' in msg
    msg = citus.fails('citus_distributed_table', name='users', column="id'); DROP TABLE users; --")
    assert 'has no column' in msg
    assert citus.catalogs() == before and citus.all_rows() == rows

    citus.sql('CREATE TABLE "Odd ""Name""" ("Key" bigint PRIMARY KEY)')
    res = citus.ok('citus_distributed_table', name='public."Odd ""Name"""', column='Key')
    assert res['table']['name'] == 'public."Odd ""Name"""' and res['table']['column'] == 'Key'
    assert citus.ok('citus_distributed_table', name='public."Odd ""Name"""', column='Key')['changed'] is False


def test_refuses_to_distribute_before_any_node_is_registered(citus):
    citus.seed()
    msg = citus.fails('citus_distributed_table', name='users', column='id')
    assert 'no node is registered' in msg and 'localhost' in msg
    msg = citus.fails('citus_reference_table', name='customers')
    assert 'no node is registered' in msg
    assert citus.sql('SELECT count(*) FROM pg_dist_node')[0][0] == 0
    assert citus.table('users') is None and citus.table('customers') is None


def test_bad_options_are_refused_before_connecting(citus):
    bad_login = {'login_host': '127.0.0.1', 'login_port': 1, 'db': 'nope'}
    cases = [
        ('citus_distributed_table', dict(name='orders', state='absent', replication_factor=2),
         'replication_factor only applies with state: present'),
        ('citus_distributed_table', dict(name='orders'), 'column is required with state: present'),
        ('citus_distributed_table', dict(name='o', column='c', colocate_with='users', shard_count=8),
         'colocate_with a table and shard_count cannot be used together'),
        ('citus_distributed_table', dict(name='o', column='c', shard_count=0), 'shard_count 0 is out of range'),
        ('citus_distributed_table', dict(name='o', column='c', shard_count=70000), 'shard_count 70000 is out of range'),
        ('citus_reference_table', dict(name='c', state='absent', truncate_local_data=True),
         'truncate_local_data only applies with state: present'),
    ]
    for module, args, fragment in cases:
        msg = citus.fails(module, login=False, **bad_login, **args)
        assert fragment in msg, msg
    # replication_factor is not an option of the reference table module
    msg = citus.fails('citus_reference_table', login=False, **bad_login, name='c', replication_factor=2)
    assert 'replication_factor' in msg


def test_shard_count_of_colocated_tables(seeded):
    citus = seeded
    citus.ok('citus_distributed_table', name='users', column='id')
    citus.sql("CREATE TABLE visits (id bigint NOT NULL, user_id bigint NOT NULL, PRIMARY KEY (user_id, id))")
    citus.sql("INSERT INTO visits SELECT g, 1 + g % 100 FROM generate_series(1, 50) g")
    citus.ok('citus_distributed_table', name='visits', column='user_id', colocate_with='users')
    before, rows, visits = citus.catalogs(), citus.all_rows(), citus.rows('visits')

    msg = citus.fails('citus_distributed_table', name='users', column='id', shard_count=8, allow_redistribute=True)
    assert 'public.users shares its colocation group with visits' in msg and 'cascade_to_colocated' in msg
    assert citus.catalogs() == before

    res = citus.ok('citus_distributed_table', name='users', column='id', shard_count=8, allow_redistribute=True,
                   cascade_to_colocated=True)
    assert res['queries'] == ["SELECT alter_distributed_table('public.users'::regclass, shard_count => 8, "
                              "cascade_to_colocated => true)"]
    assert citus.table('users')['shards'] == 8 and citus.table('visits')['shards'] == 8
    assert citus.table('users')['colocationid'] == citus.table('visits')['colocationid']
    assert citus.all_rows() == rows and citus.rows('visits') == visits


def test_undistribute_with_foreign_keys(seeded):
    citus = seeded
    citus.ok('citus_reference_table', name='customers')
    citus.ok('citus_distributed_table', name='orders', column='customer_id')
    citus.sql("ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) "
              "REFERENCES customers (id)")
    before, rows = citus.catalogs(), citus.all_rows()

    for module in ('citus_distributed_table', 'citus_reference_table'):
        name = 'orders' if module == 'citus_distributed_table' else 'customers'
        msg = citus.fails(module, check=True, name=name, state='absent')
        assert 'is linked to other tables by foreign keys (orders_customer_fk (orders -> customers))' in msg
        assert 'cascade_via_foreign_keys: true' in msg
    msg = citus.fails('citus_distributed_table', name='orders', state='absent')
    assert 'is linked to other tables by foreign keys' in msg
    msg = citus.fails('citus_distributed_table', name='orders', column='customer_id', replication_factor=2,
                      allow_redistribute=True)
    assert 'must be undistributed to change replication factor is 1 (asked: 2)' in msg
    assert citus.catalogs() == before and citus.all_rows() == rows


def test_undistribute_cascading_via_foreign_keys(seeded):
    citus = seeded
    citus.ok('citus_reference_table', name='customers')
    citus.ok('citus_distributed_table', name='orders', column='customer_id')
    citus.sql("ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) "
              "REFERENCES customers (id)")
    rows = citus.all_rows()
    res = citus.ok('citus_distributed_table', name='orders', state='absent', cascade_via_foreign_keys=True)
    assert res['queries'] == ["SELECT undistribute_table('public.orders'::regclass, cascade_via_foreign_keys => true)"]
    assert citus.table('orders') is None and citus.table('customers') is None
    assert citus.all_rows() == rows


def test_change_distribution_column_keeps_rows_and_shard_count(seeded):
    citus = seeded
    citus.sql("CREATE TABLE events (id bigint NOT NULL, user_id bigint NOT NULL, payload text)")
    citus.sql("INSERT INTO events SELECT g, 1 + g % 100, 'event ' || g FROM generate_series(1, 300) g")
    citus.ok('citus_distributed_table', name='events', column='id', shard_count=8)
    before, rows = citus.catalogs(), citus.rows('events')
    msg = citus.fails('citus_distributed_table', name='events', column='user_id')
    assert 'distribution column is id (asked: user_id)' in msg
    assert citus.catalogs() == before
    res = citus.ok('citus_distributed_table', name='events', column='user_id', allow_redistribute=True)
    assert res['queries'] == ["SELECT alter_distributed_table('public.events'::regclass, "
                              "distribution_column => 'user_id')"]
    assert res['rows_copied'] == 300
    table = citus.table('events')
    assert table['column'] == 'user_id' and table['shards'] == 8
    assert res['table']['column'] == 'user_id' and res['table']['shard_count'] == 8
    assert citus.rows('events') == rows
    assert citus.ok('citus_distributed_table', name='events', column='user_id')['changed'] is False


def test_views_are_not_tables(seeded):
    citus = seeded
    citus.sql("CREATE VIEW big_orders AS SELECT * FROM orders WHERE total > 100")
    msg = citus.fails('citus_distributed_table', name='big_orders', column='customer_id')
    assert 'public.big_orders is a view, not a table' in msg
    msg = citus.fails('citus_reference_table', name='big_orders')
    assert 'public.big_orders is a view, not a table' in msg


def test_redistributing_a_replicated_table_keeps_its_replication_factor(seeded):
    citus = seeded
    citus.ok('citus_distributed_table', **ORDERS)
    rows = citus.all_rows()
    res = citus.ok('citus_distributed_table', name='orders', column='customer_id', shard_count=16,
                   allow_redistribute=True)
    assert res['queries'] == ['BEGIN', 'SET LOCAL citus.shard_replication_factor = 2',
                              "SELECT alter_distributed_table('public.orders'::regclass, shard_count => 16)", 'COMMIT']
    table = citus.table('orders')
    assert table['shards'] == 16 and table['replicationfactor'] == 2
    assert sum(citus.placements_by_group('orders').values()) == 32
    assert res['table']['replication_factor'] == 2 and res['table']['shard_count'] == 16
    assert citus.all_rows() == rows


def test_worker_added_without_shards_after_reference_tables_exist(seeded):
    citus = seeded
    citus.need_workers(3)
    citus.ok('citus_reference_table', name='customers')
    citus.ok('citus_distributed_table', name='users', column='id')
    w2 = citus.workers[2]
    res = citus.ok('citus_node', name=w2.name, port=w2.port, should_have_shards=False)
    assert res['queries'][0] == 'BEGIN' and citus.node(w2)['should_have_shards'] is False
    # new tables do not go to it
    citus.ok('citus_distributed_table', name='orders', column='customer_id')
    assert citus.group_of(w2) not in citus.placements_by_group('orders')
    rows = citus.all_rows()
    assert rows['customers'][0] == 20


# tables: several tables in one module run over one connection (the citus_cluster role's way).
SEED_TABLES = [dict(name='users', column='id'), ORDERS,
               dict(name='order_items', column='customer_id', colocate_with='orders')]


def test_tables_in_one_run_check_mode_real_and_again(seeded):
    citus = seeded
    before, rows = citus.catalogs(), citus.all_rows()
    citus.ok('citus_reference_table', tables=[dict(name='customers')])

    check = citus.ok('citus_distributed_table', check=True, diff=True, tables=SEED_TABLES[:2])
    assert check['changed'] is True
    assert [t['name'] for t in check['tables']] == ['users', 'orders']
    assert [t['changed'] for t in check['tables']] == [True, True]
    assert check['queries'] == ["SELECT create_distributed_table('public.users'::regclass, 'id')"] + ORDERS_QUERIES
    assert check['diff']['before']['orders']['type'] == 'local'
    assert 'table' not in check and 'rows_copied' not in check

    real = citus.ok('citus_distributed_table', diff=True, tables=SEED_TABLES)
    assert [t['changed'] for t in real['tables']] == [True, True, True]
    assert real['tables'][1]['rows_copied'] == SEED_ROWS['orders']
    # order_items joined the group of orders, distributed earlier in the same run
    assert citus.table('order_items')['colocationid'] == citus.table('orders')['colocationid']
    assert real['tables'][2]['table']['replication_factor'] == 2
    assert real['diff']['after']['orders'] == real['tables'][1]['table']
    assert citus.all_rows() == rows

    again = citus.ok('citus_distributed_table', tables=SEED_TABLES)
    assert again['changed'] is False and again['queries'] == []
    assert [t['changed'] for t in again['tables']] == [False, False, False]
    assert citus.ok('citus_reference_table', tables=[dict(name='customers')])['changed'] is False
    assert citus.catalogs() != before
    # no table: nothing to do (and no connection needed)
    empty = citus.ok('citus_distributed_table', tables=[])
    assert (empty['changed'], empty['tables'], empty['queries']) == (False, [], [])


def test_tables_every_item_is_checked_before_anything_changes(seeded):
    citus = seeded
    before, rows = citus.catalogs(), citus.all_rows()
    msg = citus.fails('citus_distributed_table', tables=[dict(name='users', column='id'),
                                                         dict(name='orders', column='customer_id', shard_count=0),
                                                         dict(name='order_items')])
    assert msg.startswith('orders: shard_count 0 is out of range')
    assert 'order_items: column is required with state: present' in msg and msg.endswith('Nothing was changed.')
    # an item without a name, an unknown key, and name together with tables are refused by the argument spec
    assert 'name' in citus.fails('citus_distributed_table', tables=[dict(column='id')])
    assert 'colour' in citus.fails('citus_reference_table', tables=[dict(name='customers', colour='red')])
    assert 'mutually exclusive' in citus.fails('citus_reference_table', name='customers',
                                               tables=[dict(name='customers')])
    assert citus.catalogs() == before and citus.all_rows() == rows


def test_tables_a_refusal_names_the_tables_changed_before_it(seeded):
    citus = seeded
    rows = citus.all_rows()
    msg = citus.fails('citus_distributed_table', tables=[
        ORDERS, dict(name='order_items', column='order_id', colocate_with='orders')])
    assert msg.startswith('order_items: cannot colocate public.order_items with public.orders')
    assert msg.endswith('(tables changed before it in this run: orders)')
    assert citus.table('orders')['partmethod'] == 'h' and citus.table('order_items') is None
    assert citus.all_rows() == rows


def test_tables_a_concurrent_replication_factor_does_not_reach_the_next_table(seeded):
    # create_distributed_table_concurrently cannot run in a transaction, so its factor is SET for the session: the
    # next table of the same run must still get the database's default.
    citus = seeded
    db = citus.cluster.dbname
    citus.sql(f'ALTER DATABASE "{db}" SET citus.shard_replication_factor = 2')
    try:
        res = citus.ok('citus_distributed_table', tables=[
            dict(name='users', column='id', concurrently=True, replication_factor=1),
            dict(name='orders', column='customer_id', shard_count=32)])
        assert [t['table']['replication_factor'] for t in res['tables']] == [1, 2]
        assert citus.table('users')['replicationfactor'] == 1 and citus.table('orders')['replicationfactor'] == 2
    finally:
        citus.sql(f'ALTER DATABASE "{db}" RESET citus.shard_replication_factor')
