using System.Globalization;
using System.Text;

namespace Fabrix.Contracts.Manifests;

/// <summary>
/// Character rules for manifest text and for identifiers at every API boundary (issue 7 section 4). Control
/// characters (general category Cc: NUL, C0, DEL, C1) are refused in every string. Display text (<c>name</c>,
/// <c>description</c>) also refuses what would make it read differently from what it is: bidirectional controls
/// (an RTL override turns "User Management nimdA" into "User Management Admin"), invisible characters, separators,
/// private-use and unassigned code points.
/// </summary>
public static class ManifestText
{
    /// <summary>Why <paramref name="value"/> is not acceptable in any string, or null: the first control character.</summary>
    public static string? ControlProblem(string value)
    {
        var index = 0;
        foreach (var rune in value.EnumerateRunes())
        {
            if (Rune.GetUnicodeCategory(rune) == UnicodeCategory.Control)
            {
                return $"contains the control character {CodePoint(rune)} at position {index.ToString(CultureInfo.InvariantCulture)}; control characters are not allowed";
            }

            index++;
        }

        return null;
    }

    /// <summary>
    /// Why <paramref name="value"/> is not acceptable as display text (a name or description), or null. Refused: control
    /// characters; bidirectional controls (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069); every other format
    /// character (category Cf: zero-width space and joiners U+200B–U+200D, word joiner and invisible operators
    /// U+2060–U+2064, U+FEFF, soft hyphen U+00AD, tag characters U+E0000–U+E007F, ...); the default-ignorable code points
    /// that are not Cf (combining grapheme joiner U+034F, Hangul fillers, Khmer vowels U+17B4/U+17B5, Mongolian free
    /// variation selectors, variation selectors U+FE00–U+FE0F and U+E0100–U+E01EF; UTS #39 and Unicode's
    /// DerivedCoreProperties.txt); line and paragraph separators; private-use and unassigned code points.
    /// </summary>
    public static string? DisplayProblem(string value)
    {
        var index = 0;
        foreach (var rune in value.EnumerateRunes())
        {
            if (DisplayKind(rune) is { } kind)
            {
                return $"contains {kind} {CodePoint(rune)} at position {index.ToString(CultureInfo.InvariantCulture)}; names and descriptions must read as they are";
            }

            index++;
        }

        return null;
    }

    /// <summary>True when <paramref name="rune"/> is a default-ignorable code point (removed before a confusable skeleton is taken).</summary>
    public static bool IsDefaultIgnorable(Rune rune) =>
        Rune.GetUnicodeCategory(rune) == UnicodeCategory.Format || IsIgnorableNonFormat(rune.Value);

    /// <summary>Length in Unicode code points (what JSON Schema's <c>maxLength</c> counts); unpaired surrogates count one each.</summary>
    public static int CodePointLength(string value)
    {
        var length = value.Length;
        for (var i = 0; i < value.Length - 1; i++)
        {
            if (char.IsSurrogatePair(value[i], value[i + 1]))
            {
                length--;
                i++;
            }
        }

        return length;
    }

    /// <summary><c>U+XXXX</c>.</summary>
    public static string CodePoint(Rune rune) => "U+" + rune.Value.ToString("X4", CultureInfo.InvariantCulture);

    private static string? DisplayKind(Rune rune)
    {
        var value = rune.Value;
        if (value is 0x061C or 0x200E or 0x200F or (>= 0x202A and <= 0x202E) or (>= 0x2066 and <= 0x2069))
        {
            return "the bidirectional control character";
        }

        return Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.Control => "the control character",
            UnicodeCategory.Format => "the invisible format character",
            UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator => "the line or paragraph separator",
            UnicodeCategory.PrivateUse => "the private-use character",
            UnicodeCategory.OtherNotAssigned => "the unassigned code point",
            _ when IsIgnorableNonFormat(value) => "the invisible character",
            _ => null,
        };
    }

    /// <summary>Default_Ignorable_Code_Point characters whose category is not Cf (DerivedCoreProperties.txt).</summary>
    private static bool IsIgnorableNonFormat(int value) => value is 0x034F or 0x115F or 0x1160 or 0x17B4 or 0x17B5
        or (>= 0x180B and <= 0x180D) or 0x180F or 0x3164 or (>= 0xFE00 and <= 0xFE0F) or 0xFFA0 or (>= 0xE0100 and <= 0xE01EF);
}
