using CommandGrid.Storage;
using Microsoft.Data.Sqlite;
using Xunit;

namespace CommandGrid.Tests.Storage;

public sealed class PreparedCommandsTests
{
    [Fact]
    public async Task PreparedCommands_KeptCommandRunsEachStatementWithItsOwnParametersInOrOutOfATransaction()
    {
        await using var connection = new SqliteConnection("Data Source=:memory:");
        await connection.OpenAsync();
        var commands = new PreparedCommands();
        const string sum = "SELECT @a + @b";

        Assert.Equal(3L, await commands.ScalarAsync(connection, null, Sum(1, 2)));
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            Assert.Equal(30L, await commands.ScalarAsync(connection, transaction, Sum(10, 20)));
            await transaction.CommitAsync();
        }
        Assert.Null(await commands.ScalarAsync(connection, null, Sum(null, 1)));
        Assert.Equal(1, commands.Count);
        await commands.ClearAsync();
        Assert.Equal(0, commands.Count);
        Assert.Equal(7L, await commands.ScalarAsync(connection, null, Sum(3, 4)));

        static SqlStatement Sum(long? a, long? b) => SqlStatement.Of(sum, SqlStatement.Int64("@a", a), SqlStatement.Int64("@b", b));
    }

    [Fact]
    public async Task PreparedCommands_TextsBeyondItsCapacityRunWithoutBeingKept()
    {
        await using var connection = new SqliteConnection("Data Source=:memory:");
        await connection.OpenAsync();
        var commands = new PreparedCommands();

        for (var i = 0; i < PreparedCommands.Capacity + 10; i++)
        {
            Assert.Equal(i + 1L, await commands.ScalarAsync(connection, null, SqlStatement.Of($"SELECT @a + {i}", SqlStatement.Int64("@a", 1))));
        }

        Assert.Equal(PreparedCommands.Capacity, commands.Count);
        Assert.Equal(2L, await commands.ScalarAsync(connection, null, SqlStatement.Of("SELECT @a + 0", SqlStatement.Int64("@a", 2))));
        await commands.ClearAsync();
    }
}
