using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Fabrix.Contracts.Platform;

/// <summary>
/// RFC 9562 UUIDs whose random bits come from a per-thread pool filled by <see cref="RandomNumberGenerator"/>, for ids
/// minted on hot paths (an event id per published event, an audit record id per decision record).
/// </summary>
/// <remarks>
/// <para><b>Why not <see cref="Guid.CreateVersion7(DateTimeOffset)"/>.</b> On Linux, .NET's portable build gets a
/// <see cref="Guid.NewGuid"/>'s random bytes with one <c>read</c> of <c>/dev/urandom</c> per Guid (its native shim is
/// built without <c>arc4random_buf</c>). A sampled CPU profile of Core.Events' batched publishes put 8% of the process's
/// CPU in that system call (benchmarks/README.md, "Measured — eleventh session"). Here one
/// <see cref="RandomNumberGenerator.Fill"/> (the platform's CSPRNG, in user space) serves <see cref="PoolIds"/> ids.</para>
/// <para>The result is what <see cref="Guid.CreateVersion7(DateTimeOffset)"/> gives: 48 bits of Unix milliseconds, the
/// version (7) and variant (RFC 9562) bits, 74 random bits. Ids of one millisecond are not ordered among themselves
/// (as with <see cref="Guid.CreateVersion7(DateTimeOffset)"/>).</para>
/// </remarks>
public static class Uuids
{
    /// <summary>How many ids one refill of a thread's random pool serves.</summary>
    public const int PoolIds = 64;

    private const int BytesPerId = 10;

    [ThreadStatic]
    private static byte[]? t_pool;

    [ThreadStatic]
    private static int t_offset;

    /// <summary>A version 7 UUID for <paramref name="time"/> (Unix milliseconds; before 1970 is refused).</summary>
    public static Guid NewVersion7(DateTimeOffset time)
    {
        var milliseconds = time.ToUnixTimeMilliseconds();
        ArgumentOutOfRangeException.ThrowIfNegative(milliseconds, nameof(time));
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteInt64BigEndian(bytes[..8], milliseconds << 16);
        var random = NextRandom();
        random[..2].CopyTo(bytes[6..8]);
        random[2..].CopyTo(bytes[8..]);
        bytes[6] = (byte)(0x70 | (bytes[6] & 0x0F));
        bytes[8] = (byte)(0x80 | (bytes[8] & 0x3F));
        return new Guid(bytes, bigEndian: true);
    }

    /// <summary>The next <see cref="BytesPerId"/> unused random bytes of this thread's pool (refilled when used up).</summary>
    private static ReadOnlySpan<byte> NextRandom()
    {
        var pool = t_pool ??= new byte[PoolIds * BytesPerId];
        var offset = t_offset;
        if (offset == 0)
        {
            RandomNumberGenerator.Fill(pool);
        }

        t_offset = offset + BytesPerId == pool.Length ? 0 : offset + BytesPerId;
        var bytes = pool.AsSpan(offset, BytesPerId);
        return bytes;
    }
}
