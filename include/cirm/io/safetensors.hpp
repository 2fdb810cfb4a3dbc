#pragma once
/// \file
/// Reading and writing the safetensors format (Hugging Face): an 8-byte little-endian header
/// length N, N bytes of JSON header, then one byte buffer holding all tensors back to back.
///
/// The header is an object: tensor name → {"dtype": "F32", "shape": [2, 3],
/// "data_offsets": [begin, end]} (offsets relative to the start of the byte buffer), plus an
/// optional "__metadata__" object of string → string.
///
/// `reader` checks every rule of the format and reports the one a file breaks, in a message that
/// starts with "safetensors: " and names the rule and the tensor. It parses a buffer the caller
/// keeps alive; `mapped_file` maps a file read-only and owns the mapping, so tensor views point
/// straight into the page cache (no copy). `serialize` / `save` write the format, tensors in the
/// given order, the header padded with spaces to a multiple of 8 bytes so that the data starts
/// 8-byte aligned, as the reference implementation does.

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "cirm/dtype.hpp"
#include "cirm/error.hpp"
#include "cirm/io/atomic_file.hpp"
#include "cirm/io/strict_json.hpp"

namespace cirm::safetensors {

// Tensor bytes are reinterpreted in place (views into a mapped file), which is only correct on a
// little-endian machine, as the format stores little-endian values.
static_assert(std::endian::native == std::endian::little, "cirm's safetensors reader needs a little-endian machine");

/// Element types of the format, named as in the header ("F32", "BF16", "BOOL", …).
enum class dtype { f64, f32, f16, bf16, i64, i32, i16, i8, u64, u32, u16, u8, boolean, f8_e4m3, f8_e5m2 };

inline constexpr dtype all_dtypes[] = {dtype::f64, dtype::f32, dtype::f16,     dtype::bf16,    dtype::i64,
                                       dtype::i32, dtype::i16, dtype::i8,      dtype::u64,     dtype::u32,
                                       dtype::u16, dtype::u8,  dtype::boolean, dtype::f8_e4m3, dtype::f8_e5m2};

/// The dtype's name in a header.
constexpr std::string_view to_string(dtype t) noexcept {
    switch (t) {
        case dtype::f64: return "F64";
        case dtype::f32: return "F32";
        case dtype::f16: return "F16";
        case dtype::bf16: return "BF16";
        case dtype::i64: return "I64";
        case dtype::i32: return "I32";
        case dtype::i16: return "I16";
        case dtype::i8: return "I8";
        case dtype::u64: return "U64";
        case dtype::u32: return "U32";
        case dtype::u16: return "U16";
        case dtype::u8: return "U8";
        case dtype::boolean: return "BOOL";
        case dtype::f8_e4m3: return "F8_E4M3";
        case dtype::f8_e5m2: return "F8_E5M2";
    }
    return "?";
}

/// Bytes per element.
constexpr std::size_t size_of(dtype t) noexcept {
    switch (t) {
        case dtype::f64:
        case dtype::i64:
        case dtype::u64: return 8;
        case dtype::f32:
        case dtype::i32:
        case dtype::u32: return 4;
        case dtype::f16:
        case dtype::bf16:
        case dtype::i16:
        case dtype::u16: return 2;
        case dtype::i8:
        case dtype::u8:
        case dtype::boolean:
        case dtype::f8_e4m3:
        case dtype::f8_e5m2: return 1;
    }
    return 0;
}

/// The dtype with this header name, or nothing.
constexpr std::optional<dtype> parse_dtype(std::string_view name) noexcept {
    for (dtype t : all_dtypes)
        if (to_string(t) == name) return t;
    return std::nullopt;
}

/// The largest header a reader accepts (the reference implementation's limit), so that a
/// corrupt length cannot make it allocate gigabytes.
inline constexpr std::uint64_t max_header_length = 100'000'000;

namespace detail {

inline std::string shape_text(std::span<const std::size_t> shape) {
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) {
        if (i) s += ", ";
        s += std::to_string(shape[i]);
    }
    return s + "]";
}

/// a × b, or nothing if it does not fit in 64 bits.
inline std::optional<std::uint64_t> checked_multiply(std::uint64_t a, std::uint64_t b) noexcept {
    if (a != 0 && b > std::numeric_limits<std::uint64_t>::max() / a) return std::nullopt;
    return a * b;
}

/// Bytes of a tensor of this dtype and shape, or nothing on overflow. A zero extent makes the
/// tensor empty whatever the other extents are.
inline std::optional<std::uint64_t> byte_size(dtype t, std::span<const std::size_t> shape) noexcept {
    if (std::find(shape.begin(), shape.end(), std::size_t{0}) != shape.end()) return 0;
    std::uint64_t elements = 1;
    for (auto extent : shape) {
        auto product = checked_multiply(elements, extent);
        if (!product) return std::nullopt;
        elements = *product;
    }
    return checked_multiply(elements, size_of(t));
}

template <class T>
T load_unaligned(const std::byte* p) noexcept {
    T value;
    std::memcpy(&value, p, sizeof value);
    return value;
}

/// JSON text of a string, for writing a header; text that is not UTF-8 is an error.
inline std::string json_quoted(std::string_view text, std::string_view what) {
    try {
        return nlohmann::json(text).dump();
    } catch (const nlohmann::json::exception&) {
        throw error("safetensors: " + std::string(what) + " is not valid UTF-8");
    }
}

}  // namespace detail

/// One tensor of a parsed file: a view of its bytes inside the buffer the reader was built on.
struct tensor_view {
    std::string name;
    dtype type = dtype::f32;
    std::vector<std::size_t> shape;
    std::span<const std::byte> bytes;  ///< exactly size_of(type) × elements() bytes; may be unaligned

    /// Product of the shape (1 for a scalar).
    std::size_t elements() const noexcept { return bytes.size() / size_of(type); }

    /// The elements as floats: F32 as is, F16 and BF16 converted exactly, F64 rounded to float.
    std::vector<float> to_floats() const {
        std::vector<float> out(elements());
        const std::byte* p = bytes.data();
        switch (type) {
            case dtype::f32:
                if (!out.empty()) std::memcpy(out.data(), p, bytes.size());
                break;
            case dtype::f16:
                for (std::size_t i = 0; i < out.size(); ++i)
                    out[i] = float16::to_float(detail::load_unaligned<std::uint16_t>(p + 2 * i));
                break;
            case dtype::bf16:
                for (std::size_t i = 0; i < out.size(); ++i)
                    out[i] = static_cast<float>(bfloat16::from_bits(detail::load_unaligned<std::uint16_t>(p + 2 * i)));
                break;
            case dtype::f64:
                for (std::size_t i = 0; i < out.size(); ++i)
                    out[i] = static_cast<float>(detail::load_unaligned<double>(p + 8 * i));
                break;
            default:
                throw error("safetensors: tensor '" + name + "' has dtype " + std::string(to_string(type)) +
                            ", which cannot be read as float (F32, F16, BF16 or F64 can)");
        }
        return out;
    }

    /// The elements as 64-bit integers: I64 as is, narrower integer types and BOOL widened, U64
    /// checked to fit.
    std::vector<std::int64_t> to_int64s() const {
        std::vector<std::int64_t> out(elements());
        const std::byte* p = bytes.data();
        auto widen = [&]<class T>(T) {
            for (std::size_t i = 0; i < out.size(); ++i)
                out[i] = static_cast<std::int64_t>(detail::load_unaligned<T>(p + sizeof(T) * i));
        };
        switch (type) {
            case dtype::i64:
                if (!out.empty()) std::memcpy(out.data(), p, bytes.size());
                break;
            case dtype::i32: widen(std::int32_t{}); break;
            case dtype::i16: widen(std::int16_t{}); break;
            case dtype::i8: widen(std::int8_t{}); break;
            case dtype::u32: widen(std::uint32_t{}); break;
            case dtype::u16: widen(std::uint16_t{}); break;
            case dtype::u8:
            case dtype::boolean: widen(std::uint8_t{}); break;
            case dtype::u64:
                for (std::size_t i = 0; i < out.size(); ++i) {
                    const auto v = detail::load_unaligned<std::uint64_t>(p + 8 * i);
                    if (v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
                        throw error("safetensors: tensor '" + name + "' element " + std::to_string(i) +
                                    " does not fit in a signed 64-bit integer");
                    out[i] = static_cast<std::int64_t>(v);
                }
                break;
            default:
                throw error("safetensors: tensor '" + name + "' has dtype " + std::string(to_string(type)) +
                            ", which cannot be read as integers");
        }
        return out;
    }
};

/// A parsed safetensors buffer. It does not own the bytes: the buffer must outlive the reader and
/// every view taken from it. Construction checks the whole file; a file that breaks a rule of the
/// format is a cirm::error starting with "safetensors: ".
class reader {
public:
    /// An empty reader (no tensors, no metadata).
    reader() = default;

    /// Parses a whole file held in memory. `source` (e.g. the path) is named in error messages.
    explicit reader(std::span<const std::byte> file, std::string source = {}) : source_(std::move(source)) {
        parse(file);
    }
    explicit reader(std::string_view file, std::string source = {})
        : reader(std::as_bytes(std::span<const char>(file.data(), file.size())), std::move(source)) {}
    /// A temporary string would die before the views into it: keep the bytes in a variable.
    reader(std::string&&, std::string = {}) = delete;

    /// Tensors in the order of their data in the buffer.
    std::span<const tensor_view> tensors() const noexcept { return tensors_; }
    /// The "__metadata__" map (empty if the file has none).
    const std::map<std::string, std::string>& metadata() const noexcept { return metadata_; }
    /// Length of the JSON header in bytes (N), so the data starts at byte 8 + N.
    std::uint64_t header_length() const noexcept { return header_length_; }

    /// The tensor with this name, or nullptr.
    const tensor_view* find(std::string_view name) const noexcept {
        auto it = by_name_.find(name);
        return it == by_name_.end() ? nullptr : &tensors_[it->second];
    }
    /// The tensor with this name; a missing one is an error.
    const tensor_view& at(std::string_view name) const {
        if (const auto* t = find(name)) return *t;
        throw error(message("no tensor named '" + std::string(name) + "'"));
    }

private:
    std::string message(const std::string& what) const {
        return "safetensors: " + (source_.empty() ? std::string() : source_ + ": ") + what;
    }
    [[noreturn]] void fail(const std::string& what) const { throw error(message(what)); }

    void parse(std::span<const std::byte> file) {
        // Rule: the 8-byte header length must be there.
        if (file.size() < 8)
            fail("file is " + std::to_string(file.size()) + " bytes, shorter than the 8-byte header length field");
        std::uint64_t length = 0;
        for (int i = 7; i >= 0; --i)
            length = (length << 8) | std::to_integer<std::uint64_t>(file[static_cast<std::size_t>(i)]);
        // Rule: the header length is bounded (checked before comparing it with the file size, so
        // no arithmetic on a huge value happens).
        if (length > max_header_length)
            fail("header length " + std::to_string(length) + " exceeds the limit of " +
                 std::to_string(max_header_length) + " bytes");
        // Rule: the header lies inside the file.
        const std::uint64_t after_length_field = file.size() - 8;
        if (length > after_length_field)
            fail("header length " + std::to_string(length) + " runs past the end of the file (only " +
                 std::to_string(after_length_field) + " bytes follow the length field)");
        header_length_ = length;
        const auto header_bytes = file.subspan(8, static_cast<std::size_t>(length));
        const auto data = file.subspan(8 + static_cast<std::size_t>(length));
        const std::string_view header_text(reinterpret_cast<const char*>(header_bytes.data()), header_bytes.size());

        // Rule: the header is a JSON object (trailing spaces, as writers pad it, are whitespace)
        // and names each tensor once.
        auto parsed = cirm::detail::parse_json_rejecting_duplicates<nlohmann::json>(header_text);
        using outcome = decltype(parsed)::outcome;
        if (parsed.status == outcome::syntax_error) fail("header is not valid JSON: " + parsed.syntax_message);
        if (parsed.status == outcome::duplicate_key) {
            if (parsed.duplicate_path.empty()) fail("duplicate tensor name '" + parsed.duplicate + "' in the header");
            fail("duplicate key '" + parsed.duplicate + "' in the header entry '" + parsed.duplicate_path + "'");
        }
        const nlohmann::json& header = parsed.value;
        if (!header.is_object()) fail("header is not a JSON object (it is " + std::string(header.type_name()) + ")");

        struct placed {
            std::size_t tensor;
            std::uint64_t begin, end;
        };
        std::vector<placed> placement;
        for (const auto& [name, entry] : header.items()) {
            if (name == "__metadata__") {
                read_metadata(entry);
                continue;
            }
            tensor_view t;
            t.name = name;
            std::uint64_t begin = 0, end = 0;
            read_entry(t, entry, begin, end);
            placement.push_back({tensors_.size(), begin, end});
            tensors_.push_back(std::move(t));
        }

        // Rule: the tensors tile the data buffer from 0, with no hole and no overlap.
        std::sort(placement.begin(), placement.end(), [](const placed& a, const placed& b) {
            return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
        });
        std::uint64_t covered = 0;
        const tensor_view* previous = nullptr;
        for (const auto& p : placement) {
            const tensor_view& t = tensors_[p.tensor];
            if (p.begin > covered)
                fail("tensor '" + t.name + "' data_offsets begin at " + std::to_string(p.begin) +
                     " but the data before it ends at " + std::to_string(covered) +
                     ": a hole in the data buffer (tensors must cover it contiguously from 0)");
            if (p.begin < covered)
                fail("tensor '" + t.name + "' data_offsets begin at " + std::to_string(p.begin) + ", inside tensor '" +
                     previous->name + "' which ends at " + std::to_string(covered) +
                     ": tensors overlap (they must cover the data buffer contiguously from 0)");
            covered = p.end;
            previous = &t;
        }
        // Rule: the data buffer is exactly as long as the tensors need.
        if (covered != data.size())
            fail("data buffer is " + std::to_string(data.size()) + " bytes but the tensors' data_offsets end at " +
                 std::to_string(covered) + " (data buffer length must equal the last offset)");

        // All offsets are now known to lie inside the buffer: make the views, in data order.
        std::vector<tensor_view> ordered;
        ordered.reserve(tensors_.size());
        for (const auto& p : placement) {
            tensor_view t = std::move(tensors_[p.tensor]);
            t.bytes = data.subspan(static_cast<std::size_t>(p.begin), static_cast<std::size_t>(p.end - p.begin));
            ordered.push_back(std::move(t));
        }
        tensors_ = std::move(ordered);
        for (std::size_t i = 0; i < tensors_.size(); ++i) by_name_.emplace(tensors_[i].name, i);
    }

    void read_metadata(const nlohmann::json& entry) {
        // Rule: "__metadata__" maps strings to strings.
        if (!entry.is_object())
            fail("__metadata__ is not an object of strings (it is " + std::string(entry.type_name()) + ")");
        for (const auto& [key, value] : entry.items()) {
            if (!value.is_string())
                fail("__metadata__ must map strings to strings, but key '" + key + "' holds " +
                     std::string(value.type_name()));
            metadata_.emplace(key, value.get<std::string>());
        }
    }

    void read_entry(tensor_view& t, const nlohmann::json& entry, std::uint64_t& begin, std::uint64_t& end) const {
        const std::string who = "tensor '" + t.name + "'";
        // Rule: each entry is an object with dtype, shape and data_offsets.
        if (!entry.is_object()) fail(who + " entry is not an object (it is " + std::string(entry.type_name()) + ")");
        for (const char* field : {"dtype", "shape", "data_offsets"})
            if (!entry.contains(field)) fail(who + " has no '" + field + "'");

        // Rule: the dtype is known.
        const auto& dtype_field = entry["dtype"];
        if (!dtype_field.is_string()) fail(who + " dtype is not a string");
        const auto& dtype_name = dtype_field.get_ref<const std::string&>();
        const auto type = parse_dtype(dtype_name);
        if (!type) fail(who + " has unknown dtype '" + dtype_name + "'");
        t.type = *type;

        // Rule: the shape is a list of non-negative integers.
        const auto& shape = entry["shape"];
        if (!shape.is_array()) fail(who + " shape is not a list of non-negative integers");
        for (const auto& extent : shape) {
            if (!extent.is_number_unsigned())
                fail(who + " shape is not a list of non-negative integers (found " + extent.dump() + ")");
            t.shape.push_back(static_cast<std::size_t>(extent.get<std::uint64_t>()));
        }

        // Rule: elements × dtype size is computed without wrapping.
        const auto needed = detail::byte_size(t.type, t.shape);
        if (!needed)
            fail(who + " size overflows: shape " + detail::shape_text(t.shape) + " × " +
                 std::to_string(size_of(t.type)) + " bytes does not fit in 64 bits");

        // Rule: data_offsets are two integers with begin <= end.
        const auto& offsets = entry["data_offsets"];
        if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
            !offsets[1].is_number_unsigned())
            fail(who + " data_offsets is not two non-negative integers [begin, end] (found " + offsets.dump() + ")");
        begin = offsets[0].get<std::uint64_t>();
        end = offsets[1].get<std::uint64_t>();
        if (begin > end)
            fail(who + " data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) + "] have begin > end");

        // Rule: the byte range has exactly the tensor's size.
        if (end - begin != *needed)
            fail(who + " data_offsets span " + std::to_string(end - begin) + " bytes but dtype " +
                 std::string(to_string(t.type)) + " × shape " + detail::shape_text(t.shape) + " needs " +
                 std::to_string(*needed));
    }

    std::string source_;
    std::uint64_t header_length_ = 0;
    std::vector<tensor_view> tensors_;
    std::map<std::string, std::string> metadata_;
    std::map<std::string, std::size_t, std::less<>> by_name_;
};

namespace detail {

/// A read-only memory mapping of a whole file; empty for a file of 0 bytes (mmap refuses those).
class file_mapping {
public:
    file_mapping() = default;
    explicit file_mapping(const std::filesystem::path& path) {
        const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            const int code = errno;
            throw error("safetensors: cannot open '" + path.string() + "': " + cirm::detail::errno_text(code));
        }
        cirm::detail::scoped_fd owner(fd);
        struct ::stat info {};
        if (::fstat(fd, &info) != 0) {
            const int code = errno;
            throw error("safetensors: cannot open '" + path.string() + "': " + cirm::detail::errno_text(code));
        }
        if (!S_ISREG(info.st_mode)) throw error("safetensors: '" + path.string() + "' is not a regular file");
        size_ = static_cast<std::size_t>(info.st_size);
        if (size_ == 0) return;
        void* address = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
        if (address == MAP_FAILED) {
            const int code = errno;
            size_ = 0;
            throw error("safetensors: cannot map '" + path.string() + "': " + cirm::detail::errno_text(code));
        }
        address_ = address;
        // The mapping stays valid after the descriptor is closed.
    }
    file_mapping(file_mapping&& other) noexcept
        : address_(std::exchange(other.address_, nullptr)), size_(std::exchange(other.size_, 0)) {}
    file_mapping& operator=(file_mapping&& other) noexcept {
        if (this != &other) {
            unmap();
            address_ = std::exchange(other.address_, nullptr);
            size_ = std::exchange(other.size_, 0);
        }
        return *this;
    }
    file_mapping(const file_mapping&) = delete;
    file_mapping& operator=(const file_mapping&) = delete;
    ~file_mapping() { unmap(); }

    std::span<const std::byte> bytes() const noexcept {
        return address_ ? std::span<const std::byte>(static_cast<const std::byte*>(address_), size_)
                        : std::span<const std::byte>();
    }

private:
    void unmap() noexcept {
        if (address_) ::munmap(address_, size_);
        address_ = nullptr;
        size_ = 0;
    }
    void* address_ = nullptr;
    std::size_t size_ = 0;
};

}  // namespace detail

/// A safetensors file mapped read-only into memory and parsed. Tensor views point into the
/// mapping, so reading a model copies no tensor data until the caller does. Move-only; views stay
/// valid across moves (the mapping does not move) and die with the last owner.
class mapped_file {
public:
    explicit mapped_file(const std::filesystem::path& path) : mapping_(path) {
        reader_ = reader(mapping_.bytes(), path.string());
    }
    mapped_file(mapped_file&&) noexcept = default;
    mapped_file& operator=(mapped_file&&) noexcept = default;

    const reader& contents() const noexcept { return reader_; }
    std::span<const tensor_view> tensors() const noexcept { return reader_.tensors(); }
    const std::map<std::string, std::string>& metadata() const noexcept { return reader_.metadata(); }
    const tensor_view* find(std::string_view name) const noexcept { return reader_.find(name); }
    const tensor_view& at(std::string_view name) const { return reader_.at(name); }
    /// The whole file.
    std::span<const std::byte> bytes() const noexcept { return mapping_.bytes(); }

private:
    detail::file_mapping mapping_;
    reader reader_;
};

/// One tensor to write: its bytes must be size_of(type) × product(shape) long, little-endian.
struct tensor_data {
    std::string name;
    dtype type = dtype::f32;
    std::vector<std::size_t> shape;
    std::span<const std::byte> bytes;
};

/// The bytes of a safetensors file holding `tensors` (in this order, contiguous from offset 0)
/// and, if not empty, `metadata` as "__metadata__". Names must be unique and not "__metadata__".
inline std::string serialize(std::span<const tensor_data> tensors,
                             const std::map<std::string, std::string>& metadata = {}) {
    std::string header = "{";
    bool first = true;
    if (!metadata.empty()) {
        header += "\"__metadata__\":{";
        for (const auto& [key, value] : metadata) {
            if (!first) header += ',';
            first = false;
            header += detail::json_quoted(key, "metadata key '" + key + "'");
            header += ':';
            header += detail::json_quoted(value, "metadata value of '" + key + "'");
        }
        header += '}';
        first = false;
    }
    std::map<std::string_view, std::size_t> seen;
    std::uint64_t offset = 0;
    for (std::size_t i = 0; i < tensors.size(); ++i) {
        const tensor_data& t = tensors[i];
        const std::string who = "tensor '" + t.name + "'";
        if (t.name == "__metadata__") throw error("safetensors: cannot write a tensor named '__metadata__'");
        if (auto [it, fresh] = seen.emplace(t.name, i); !fresh)
            throw error("safetensors: cannot write " + who + " twice (tensors " + std::to_string(it->second) + " and " +
                        std::to_string(i) + ")");
        const auto needed = detail::byte_size(t.type, t.shape);
        if (!needed) throw error("safetensors: cannot write " + who + ": its size overflows 64 bits");
        if (*needed != t.bytes.size())
            throw error("safetensors: cannot write " + who + ": it has " + std::to_string(t.bytes.size()) +
                        " bytes but dtype " + std::string(to_string(t.type)) + " × shape " +
                        detail::shape_text(t.shape) + " needs " + std::to_string(*needed));
        if (!first) header += ',';
        first = false;
        header += detail::json_quoted(t.name, "tensor name '" + t.name + "'");
        header += ":{\"dtype\":\"";
        header += to_string(t.type);
        header += "\",\"shape\":[";
        for (std::size_t d = 0; d < t.shape.size(); ++d) {
            if (d) header += ',';
            header += std::to_string(t.shape[d]);
        }
        header += "],\"data_offsets\":[" + std::to_string(offset) + "," + std::to_string(offset + *needed) + "]}";
        offset += *needed;
    }
    header += '}';
    header.append((8 - header.size() % 8) % 8, ' ');  // data starts 8-byte aligned
    if (header.size() > max_header_length) throw error("safetensors: cannot write a header over 100000000 bytes");

    std::string file;
    file.reserve(8 + header.size() + static_cast<std::size_t>(offset));
    const auto length = static_cast<std::uint64_t>(header.size());
    for (int i = 0; i < 8; ++i) file.push_back(static_cast<char>((length >> (8 * i)) & 0xffu));
    file += header;
    for (const auto& t : tensors)
        if (!t.bytes.empty()) file.append(reinterpret_cast<const char*>(t.bytes.data()), t.bytes.size());
    return file;
}

/// Writes a safetensors file atomically (see write_file_atomically).
inline void save(const std::filesystem::path& path, std::span<const tensor_data> tensors,
                 const std::map<std::string, std::string>& metadata = {}) {
    write_file_atomically(path, serialize(tensors, metadata));
}

/// The bytes of a contiguous array, for tensor_data::bytes.
template <class T>
std::span<const std::byte> bytes_of(std::span<const T> values) noexcept {
    return std::as_bytes(values);
}
template <class T>
std::span<const std::byte> bytes_of(const std::vector<T>& values) noexcept {
    return std::as_bytes(std::span<const T>(values));
}

}  // namespace cirm::safetensors
