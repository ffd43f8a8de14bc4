using System.Buffers;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Fabrix.Core.Lanes.Tokens;

/// <summary>
/// SHA-256 of a token's text: the key under which a validated token is kept, so the cache never holds a token
/// itself. A value type compared by its 32 bytes; computing it allocates nothing.
/// </summary>
internal readonly record struct TokenHash(ulong A, ulong B, ulong C, ulong D)
{
    /// <summary>Longest token accepted (plugin tokens are well under 2 KB); bounds the work an unauthenticated caller can cause.</summary>
    public const int MaxTokenLength = 8 * 1024;

    private const int StackLimit = 2048;

    /// <summary>The hash of <paramref name="token"/>, or false when it is too long or not ASCII (a compact JWT is base64url and dots).</summary>
    public static bool TryCompute(ReadOnlySpan<char> token, out TokenHash hash)
    {
        hash = default;
        if (token.Length > MaxTokenLength)
        {
            return false;
        }

        byte[]? rented = null;
        var bytes = token.Length <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(token.Length));
        try
        {
            if (Ascii.FromUtf16(token, bytes, out var written) != OperationStatus.Done)
            {
                return false;
            }

            Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(bytes[..written], digest);
            var words = MemoryMarshal.Cast<byte, ulong>(digest);
            hash = new TokenHash(words[0], words[1], words[2], words[3]);
            return true;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}
