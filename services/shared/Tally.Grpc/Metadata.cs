using System.Collections;
using System.Text;

namespace Tally.Grpc;

/// <summary>
/// Call headers or trailers. Keys are lower-cased and limited to <c>0-9 a-z _ - .</c>; keys ending in
/// <c>-bin</c> carry bytes (base64 on the wire), other values must be printable ASCII.
/// </summary>
public sealed class Metadata : IList<Metadata.Entry>
{
    public const string BinaryHeaderSuffix = "-bin";

    /// <summary>An empty, read-only instance.</summary>
    public static readonly Metadata Empty = new() { _readOnly = true };

    private readonly List<Entry> _entries = [];
    private bool _readOnly;

    public int Count => _entries.Count;
    public bool IsReadOnly => _readOnly;

    public Entry this[int index]
    {
        get => _entries[index];
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            EnsureWritable();
            _entries[index] = value;
        }
    }

    public void Add(string key, string value) => Add(new Entry(key, value));
    public void Add(string key, byte[] valueBytes) => Add(new Entry(key, valueBytes));

    public void Add(Entry item)
    {
        ArgumentNullException.ThrowIfNull(item);
        EnsureWritable();
        _entries.Add(item);
    }

    /// <summary>The last entry with this key, or null.</summary>
    public Entry? Get(string key)
    {
        for (var i = _entries.Count - 1; i >= 0; i--)
        {
            if (string.Equals(_entries[i].Key, key, StringComparison.OrdinalIgnoreCase))
            {
                return _entries[i];
            }
        }
        return null;
    }

    /// <summary>The string value of the last entry with this key, or null. Throws for a binary key.</summary>
    public string? GetValue(string key) => Get(key)?.Value;

    /// <summary>The bytes of the last entry with this key, or null.</summary>
    public byte[]? GetValueBytes(string key) => Get(key)?.ValueBytes;

    public IEnumerable<Entry> GetAll(string key)
    {
        foreach (var entry in _entries)
        {
            if (string.Equals(entry.Key, key, StringComparison.OrdinalIgnoreCase))
            {
                yield return entry;
            }
        }
    }

    public int IndexOf(Entry item) => _entries.IndexOf(item);
    public void Insert(int index, Entry item)
    {
        ArgumentNullException.ThrowIfNull(item);
        EnsureWritable();
        _entries.Insert(index, item);
    }
    public void RemoveAt(int index)
    {
        EnsureWritable();
        _entries.RemoveAt(index);
    }
    public void Clear()
    {
        EnsureWritable();
        _entries.Clear();
    }
    public bool Contains(Entry item) => _entries.Contains(item);
    public void CopyTo(Entry[] array, int arrayIndex) => _entries.CopyTo(array, arrayIndex);
    public bool Remove(Entry item)
    {
        EnsureWritable();
        return _entries.Remove(item);
    }
    public List<Entry>.Enumerator GetEnumerator() => _entries.GetEnumerator();
    IEnumerator<Entry> IEnumerable<Entry>.GetEnumerator() => _entries.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => _entries.GetEnumerator();

    private void EnsureWritable()
    {
        if (_readOnly)
        {
            throw new InvalidOperationException("This Metadata instance is read-only.");
        }
    }

    /// <summary>One key/value pair. Binary entries (key ends in "-bin") hold bytes, others a string.</summary>
    public sealed class Entry
    {
        private readonly string? _value;
        private readonly byte[]? _valueBytes;

        public Entry(string key, string value)
        {
            ArgumentNullException.ThrowIfNull(value);
            Key = NormalizeKey(key);
            if (IsBinaryKey(Key))
            {
                throw new ArgumentException($"Metadata key '{Key}' ends in '-bin' and needs a byte[] value.", nameof(key));
            }
            foreach (var c in value)
            {
                if (c < 0x20 || c > 0x7E)
                {
                    throw new ArgumentException(
                        $"Metadata value for '{Key}' contains a character outside printable ASCII (0x{(int)c:X2}); use a '-bin' key for other data.",
                        nameof(value));
                }
            }
            _value = value;
        }

        public Entry(string key, byte[] valueBytes)
        {
            ArgumentNullException.ThrowIfNull(valueBytes);
            Key = NormalizeKey(key);
            if (!IsBinaryKey(Key))
            {
                throw new ArgumentException($"Metadata key '{Key}' carries bytes and must end in '-bin'.", nameof(key));
            }
            _valueBytes = valueBytes;
        }

        // Trusted constructor for values received from the wire (keys are already lower-case there).
        private Entry(string key, string? value, byte[]? valueBytes)
        {
            Key = key;
            _value = value;
            _valueBytes = valueBytes;
        }

        internal static Entry FromWire(string key, string value) => new(key, value, null);
        internal static Entry FromWire(string key, byte[] valueBytes) => new(key, null, valueBytes);

        public string Key { get; }
        public bool IsBinary => _valueBytes is not null;

        public string Value => _value ?? throw new InvalidOperationException($"Metadata entry '{Key}' is binary; read ValueBytes.");

        public byte[] ValueBytes => _valueBytes ?? Encoding.ASCII.GetBytes(_value!);

        public override string ToString() =>
            IsBinary ? $"[Entry: key={Key}, valueBytes={_valueBytes!.Length} bytes]" : $"[Entry: key={Key}, value={_value}]";

        internal static bool IsBinaryKey(string key) => key.EndsWith(BinaryHeaderSuffix, StringComparison.Ordinal);

        private static string NormalizeKey(string key)
        {
            ArgumentException.ThrowIfNullOrEmpty(key);
            var normalized = key.ToLowerInvariant();
            foreach (var c in normalized)
            {
                if (!(c is >= 'a' and <= 'z' or >= '0' and <= '9' or '_' or '-' or '.'))
                {
                    throw new ArgumentException(
                        $"Metadata key '{key}' contains '{c}'; keys may only contain 0-9, a-z, '_', '-' and '.'.", nameof(key));
                }
            }
            return normalized;
        }
    }
}
