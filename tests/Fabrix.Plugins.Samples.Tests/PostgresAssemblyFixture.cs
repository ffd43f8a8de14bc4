using Fabrix.Testing;

[assembly: AssemblyFixture(typeof(PostgresServer))]
