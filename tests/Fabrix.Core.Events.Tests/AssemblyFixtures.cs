using Fabrix.Testing;

// One PostgreSQL cluster and one NATS server (JetStream, file storage) for the whole assembly; each platform fixture
// gets its own database and its own streams.
[assembly: AssemblyFixture(typeof(PostgresServer))]
[assembly: AssemblyFixture(typeof(NatsServer))]
