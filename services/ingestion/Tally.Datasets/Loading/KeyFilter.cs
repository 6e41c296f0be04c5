using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Tally.Datasets.Loading;

/// <summary>
/// Tells, once every row is read, which filings can hold a repeated key, so that the duplicate-key check (a GROUP BY
/// over the staged rows, see <see cref="TableChecks"/>) only runs where it can find something: on a 10M-row table that
/// GROUP BY took about 18 s on PostgreSQL. Each stored row's key is kept as a 64-bit hash next to its filing's number;
/// the pairs are sorted, so a repeat (a real one, or a collision) lands next to its twin and marks the filing.
/// Memory is bounded at any size: at most <c>budget</c> pairs (16 bytes each) are held; past that they are sorted and
/// written to a temporary file as a run, and the runs are merged at the end. The filter only ever skips the check for
/// filings whose keys are certainly distinct; the check itself decides which rows to quarantine.
/// </summary>
internal sealed class KeyFilter : IDisposable
{
    private const int FirstChunk = 4096;
    private const int MergeBufferPairs = 8192; // 128 KiB read at a time from each run

    private readonly int _budget;
    private readonly string _spillPath;
    private readonly List<Filing> _filings = [];
    private readonly Dictionary<Filing, int> _ordinals = new(ReferenceEqualityComparer.Instance);
    private readonly List<(long Offset, int Count)> _runs = [];
    private UInt128[] _pairs = [];
    private int _count;
    private Filing? _last;
    private ulong _lastOrdinal;
    private SafeFileHandle? _spill;
    private long _spilledBytes;

    /// <param name="budget">Pairs held in memory at once; 0 keeps none, so every filing is checked.</param>
    /// <param name="spillPath">Temporary file for sorted runs (created only when the budget is exceeded, deleted on dispose).</param>
    public KeyFilter(int budget, string spillPath)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(budget);
        _budget = budget;
        _spillPath = spillPath;
    }

    /// <summary>Sorted runs written to the temporary file so far.</summary>
    public int SpilledRuns => _runs.Count;

    /// <summary>Notes the row's key for its filing.</summary>
    public void Add(Filing filing, object?[] values, int[] keyIndexes)
    {
        if (_budget == 0)
        {
            filing.MayRepeatKeys = true;
            return;
        }

        if (!ReferenceEquals(filing, _last))
        {
            if (!_ordinals.TryGetValue(filing, out var ordinal))
            {
                ordinal = _filings.Count;
                _filings.Add(filing);
                _ordinals[filing] = ordinal;
            }

            (_last, _lastOrdinal) = (filing, (ulong)ordinal);
        }

        if (_count == _pairs.Length)
        {
            if (_pairs.Length < _budget)
            {
                Array.Resize(ref _pairs, Math.Min(_budget, Math.Max(FirstChunk, _pairs.Length * 2)));
            }
            else
            {
                Spill();
            }
        }

        _pairs[_count++] = new UInt128(_lastOrdinal, Hash(values, keyIndexes));
    }

    /// <summary>After the last row: marks every filing in which two keys hashed alike (<see cref="Filing.MayRepeatKeys"/>).</summary>
    public void Finish()
    {
        var held = _pairs.AsSpan(0, _count);
        held.Sort();
        if (_runs.Count == 0)
        {
            for (var i = 1; i < held.Length; i++)
            {
                if (held[i] == held[i - 1])
                {
                    Mark(held[i]);
                }
            }

            return;
        }

        // Merge the spilled runs and the pairs still held; equal pairs come out one after the other.
        var sources = new List<RunCursor>(_runs.Count + 1);
        sources.AddRange(_runs.Select(r => new RunCursor(_spill!, r.Offset, r.Count)));
        sources.Add(new RunCursor(_pairs, _count));
        var queue = new PriorityQueue<int, UInt128>(sources.Count);
        for (var i = 0; i < sources.Count; i++)
        {
            if (sources[i].TryCurrent(out var first))
            {
                queue.Enqueue(i, first);
            }
        }

        UInt128? previous = null;
        while (queue.TryDequeue(out var source, out var pair))
        {
            if (pair == previous)
            {
                Mark(pair);
            }

            previous = pair;
            if (sources[source].MoveNext() && sources[source].TryCurrent(out var next))
            {
                queue.Enqueue(source, next);
            }
        }
    }

    public void Dispose()
    {
        _spill?.Dispose(); // DeleteOnClose
        _spill = null;
        _pairs = [];
    }

    private void Mark(UInt128 pair) => _filings[(int)(ulong)(pair >> 64)].MayRepeatKeys = true;

    private void Spill()
    {
        var run = _pairs.AsSpan(0, _count);
        run.Sort();
        _spill ??= File.OpenHandle(_spillPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, FileOptions.DeleteOnClose);
        RandomAccess.Write(_spill, MemoryMarshal.AsBytes(run), _spilledBytes);
        _runs.Add((_spilledBytes, _count));
        _spilledBytes += (long)_count * 16;
        _count = 0;
    }

    /// <summary>Reads one sorted run, from the temporary file a buffer at a time, or from the pairs still in memory.</summary>
    private sealed class RunCursor
    {
        private readonly SafeFileHandle? _file;
        private readonly long _offset;
        private readonly int _count;
        private readonly UInt128[] _buffer;
        private int _read; // pairs of the run taken into the buffer so far
        private int _buffered;
        private int _at;

        public RunCursor(SafeFileHandle file, long offset, int count)
        {
            (_file, _offset, _count) = (file, offset, count);
            _buffer = new UInt128[Math.Min(count, MergeBufferPairs)];
            Fill();
        }

        public RunCursor(UInt128[] pairs, int count)
        {
            (_buffer, _count, _read, _buffered) = (pairs, count, count, count);
        }

        public bool TryCurrent(out UInt128 pair)
        {
            pair = _at < _buffered ? _buffer[_at] : default;
            return _at < _buffered;
        }

        public bool MoveNext()
        {
            if (++_at < _buffered)
            {
                return true;
            }

            if (_file is null || _read == _count)
            {
                return false;
            }

            Fill();
            return _buffered > 0;
        }

        private void Fill()
        {
            var n = Math.Min(_buffer.Length, _count - _read);
            var bytes = MemoryMarshal.AsBytes(_buffer.AsSpan(0, n));
            var offset = _offset + (long)_read * 16;
            while (bytes.Length > 0)
            {
                var got = RandomAccess.Read(_file!, bytes, offset);
                if (got == 0)
                {
                    throw new IOException($"the key run file ended early at byte {offset}");
                }

                bytes = bytes[got..];
                offset += got;
            }

            _read += n;
            _buffered = n;
            _at = 0;
        }
    }

    /// <summary>Hash of the key cells as stored: equal stored values give equal hashes (NULLs group together, as in GROUP BY).</summary>
    internal static ulong Hash(object?[] values, int[] keyIndexes)
    {
        var h = 14695981039346656037UL;
        foreach (var i in keyIndexes)
        {
            switch (values[i])
            {
                case null:
                    h = Mix(h, 0x6E756C6CUL);
                    break;
                case long l:
                    h = Mix(h ^ 1, (ulong)l);
                    break;
                case double d:
                    h = Mix(h ^ 2, d == 0 ? 0UL : (ulong)BitConverter.DoubleToInt64Bits(d)); // 0.0 = -0.0 in SQL
                    break;
                default:
                    var s = (string)values[i]!;
                    h = Mix(h ^ 3, (ulong)s.Length);
                    foreach (var ch in s)
                    {
                        h = (h ^ ch) * 0x100000001B3UL;
                    }

                    break;
            }
        }

        return Filing.Final(h);
    }

    private static ulong Mix(ulong h, ulong v) => (h ^ (v * 0x9E3779B97F4A7C15UL)) * 0x100000001B3UL;
}
