using System.Runtime.InteropServices;

namespace Fabrix.Core.Registry.Audit;

/// <summary>
/// The hashes of the audit rows this registry appended and committed itself since its last checkpoint, so that the
/// checkpointer (<see cref="AuditCheckpoints"/>) checks those rows against what the registry computed when it wrote
/// them, instead of reading every row's details back and hashing them again.
/// </summary>
/// <remarks>
/// <para>Why that is enough for a checkpoint: a checkpoint signs the head's sequence, hash and row count. For a row in
/// this memory the registry knows the hash it computed from the content it was given; the database's row must carry
/// exactly that hash, and its <c>prev_hash</c> the previous row's. A chain rebuilt since the last checkpoint (rows edited
/// and every later hash recomputed, which re-hashing the stored contents cannot notice) is refused, and what is signed is
/// always the hash the registry wrote. An edit of a row's contents that leaves its hash alone does not change what is
/// signed; verification (<see cref="AuditVerifier"/>, <c>fabrix audit verify</c>) reports that row as edited, as before.
/// Rows not in this memory (written by another registry instance, before a restart, through <see cref="AuditLog"/>, or
/// beyond <see cref="Capacity"/>) are re-hashed from their contents as before.</para>
/// <para>Only committed rows are recorded (<see cref="Record"/> is called after the commit returned): a rolled-back
/// append's sequence can be taken by another writer with other contents. At most <see cref="Capacity"/> rows are held
/// (32 bytes of hash each); when full, later rows are not recorded until a checkpoint forgets the ones it covered.</para>
/// </remarks>
internal sealed class AuditWrittenHashes
{
    /// <summary>The default bound: half a million rows, about 25 MB at most.</summary>
    public const int DefaultCapacity = 500_000;

    private readonly Lock _lock = new();
    private readonly Dictionary<long, Hash256> _hashes = [];

    public AuditWrittenHashes()
        : this(DefaultCapacity)
    {
    }

    internal AuditWrittenHashes(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        Capacity = capacity;
    }

    /// <summary>Rows held at most.</summary>
    public int Capacity { get; }

    /// <summary>Rows held now.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _hashes.Count;
            }
        }
    }

    /// <summary>
    /// Records committed rows: <paramref name="hashes"/>[i] (lower-case hex SHA-256, as the chain stores it) is the hash of
    /// row <paramref name="firstSequence"/> + i. Hashes that are not 64 hex digits are not recorded.
    /// </summary>
    public void Record(long firstSequence, IReadOnlyList<string> hashes)
    {
        ArgumentNullException.ThrowIfNull(hashes);
        lock (_lock)
        {
            for (var i = 0; i < hashes.Count && _hashes.Count < Capacity; i++)
            {
                if (Hash256.TryParse(hashes[i], out var hash))
                {
                    _hashes[firstSequence + i] = hash;
                }
            }
        }
    }

    /// <summary>
    /// Whether row <paramref name="sequence"/> was written by this registry, and if so whether the database's
    /// <paramref name="storedHash"/> is the hash it wrote (<paramref name="matches"/>).
    /// </summary>
    public bool TryCheck(long sequence, string storedHash, out bool matches)
    {
        ArgumentNullException.ThrowIfNull(storedHash);
        Hash256 written;
        lock (_lock)
        {
            if (!_hashes.TryGetValue(sequence, out written))
            {
                matches = false;
                return false;
            }
        }

        // The chain stores lower-case hex; the same bytes in capitals would be another text, so another hash.
        matches = !storedHash.AsSpan().ContainsAnyInRange('A', 'F') && Hash256.TryParse(storedHash, out var stored) && stored.Equals(written);
        return true;
    }

    /// <summary>Forgets the rows up to <paramref name="sequence"/> (a checkpoint covers them now).</summary>
    public void ForgetThrough(long sequence)
    {
        lock (_lock)
        {
            if (_hashes.Count == 0)
            {
                return;
            }

            List<long>? covered = null;
            foreach (var key in _hashes.Keys)
            {
                if (key <= sequence)
                {
                    (covered ??= []).Add(key);
                }
            }

            foreach (var key in covered ?? [])
            {
                _hashes.Remove(key);
            }
        }
    }

    /// <summary>A SHA-256 value held as four words (no string per row).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct Hash256(ulong A, ulong B, ulong C, ulong D)
    {
        public static bool TryParse(string hex, out Hash256 hash)
        {
            Span<byte> bytes = stackalloc byte[32];
            if (hex.Length != 64 || Convert.FromHexString(hex, bytes, out _, out var written) != System.Buffers.OperationStatus.Done || written != 32)
            {
                hash = default;
                return false;
            }

            var words = MemoryMarshal.Cast<byte, ulong>(bytes);
            hash = new Hash256(words[0], words[1], words[2], words[3]);
            return true;
        }
    }
}
