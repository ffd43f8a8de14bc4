using Fabrix.Testing;

// One PostgreSQL cluster and one NATS server for the whole assembly; each platform fixture gets its own database.
[assembly: AssemblyFixture(typeof(PostgresServer))]
[assembly: AssemblyFixture(typeof(NatsServer))]
