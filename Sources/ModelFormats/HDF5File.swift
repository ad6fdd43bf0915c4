import CHDF5
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only HDF5 file, reduced to the few things a Keras weights file
/// needs: groups, string-array attributes and float datasets. Every failure
/// becomes a `ModelFormatError` naming the file and quoting libhdf5's own
/// most specific message. Use only inside `HDF5Library.locked`.
final class HDF5File {
    let path: String
    let root: HDF5Handle

    init(openingReadOnly path: String) throws {
        self.path = path
        // Distinguish "no such file" from "not HDF5": libhdf5 reports both as an open failure.
        guard access(path, R_OK) == 0 else {
            throw ModelFormatError(.io, file: path, "cannot open: \(String(cString: strerror(errno)))")
        }
        guard let file = HDF5Handle(H5Fopen(path, enhance_h5f_acc_rdonly(), enhance_h5p_default()), close: H5Fclose) else {
            throw ModelFormatError(.notHDF5, file: path,
                "not an HDF5 file, or a damaged one (libhdf5: \(HDF5Library.takeErrorMessage()))")
        }
        // The file stays open as long as any object in it is open (weak close
        // degree, the default), so holding the root group is enough.
        guard let root = HDF5Handle(H5Gopen2(file.id, "/", enhance_h5p_default()), close: H5Gclose) else {
            throw ModelFormatError(.hdf5, file: path, "cannot open the root group (libhdf5: \(HDF5Library.takeErrorMessage()))")
        }
        self.root = root
    }

    func failure(_ kind: ModelFormatError.Kind, _ what: String) -> ModelFormatError {
        ModelFormatError(kind, file: path, "\(what) (libhdf5: \(HDF5Library.takeErrorMessage()))")
    }

    func linkExists(_ name: String, in parent: HDF5Handle) -> Bool {
        let result = H5Lexists(parent.id, name, enhance_h5p_default())
        if result < 0 { _ = HDF5Library.takeErrorMessage() }
        return result > 0
    }

    func openGroup(_ name: String, in parent: HDF5Handle, purpose: String) throws -> HDF5Handle {
        guard let group = HDF5Handle(H5Gopen2(parent.id, name, enhance_h5p_default()), close: H5Gclose) else {
            throw failure(.layoutMismatch, "\(purpose): no group \"\(name)\"")
        }
        return group
    }

    /// A string or string-array attribute, nil when absent. Keras writes them
    /// as fixed-length byte strings; h5py-made files may use variable-length
    /// ones, so both are accepted.
    func strings(attribute name: String, of object: HDF5Handle, objectName: String) throws -> [String]? {
        let exists = H5Aexists(object.id, name)
        if exists == 0 { return nil }
        guard exists > 0 else { throw failure(.hdf5, "cannot look up attribute \(name) of \(objectName)") }
        guard let attribute = HDF5Handle(H5Aopen(object.id, name, enhance_h5p_default()), close: H5Aclose),
              let type = HDF5Handle(H5Aget_type(attribute.id), close: H5Tclose),
              let space = HDF5Handle(H5Aget_space(attribute.id), close: H5Sclose) else {
            throw failure(.hdf5, "cannot open attribute \(name) of \(objectName)")
        }
        let points = H5Sget_simple_extent_npoints(space.id)
        guard points >= 0 else { throw failure(.hdf5, "cannot size attribute \(name) of \(objectName)") }
        let count = Int(points)
        // Keras stores an empty list as numpy's default empty array, float64 of
        // shape (0,), so an empty attribute of any type is an empty list.
        if count == 0 { return [] }
        guard H5Tget_class(type.id) == H5T_STRING else {
            throw ModelFormatError(.unknownLayout, file: path, "attribute \(name) of \(objectName) does not hold strings")
        }

        if H5Tis_variable_str(type.id) > 0 {
            guard let memoryType = HDF5Handle(H5Tcopy(enhance_h5t_c_s1()), close: H5Tclose),
                  H5Tset_size(memoryType.id, enhance_h5t_variable()) >= 0 else {
                throw failure(.hdf5, "cannot make a string type for attribute \(name)")
            }
            var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
            guard H5Aread(attribute.id, memoryType.id, &pointers) >= 0 else {
                throw failure(.hdf5, "cannot read attribute \(name) of \(objectName)")
            }
            defer { for pointer in pointers { _ = H5free_memory(pointer) } }
            return pointers.map { $0.map { String(cString: $0) } ?? "" }
        }

        let width = H5Tget_size(type.id)
        guard width > 0 else { throw failure(.hdf5, "cannot size the strings of attribute \(name) of \(objectName)") }
        var buffer = [UInt8](repeating: 0, count: count * width)
        guard H5Aread(attribute.id, type.id, &buffer) >= 0 else {
            throw failure(.hdf5, "cannot read attribute \(name) of \(objectName)")
        }
        let spacePadded = H5Tget_strpad(type.id) == H5T_STR_SPACEPAD
        return (0..<count).map { index in
            var bytes = buffer[(index * width)..<((index + 1) * width)]
            if let end = bytes.firstIndex(of: 0) { bytes = bytes[..<end] }
            if spacePadded {
                while bytes.last == UInt8(ascii: " ") { bytes = bytes.dropLast() }
            }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    /// Dimensions of a floating-point dataset; `[]` for a scalar.
    func floatDatasetShape(_ name: String, in group: HDF5Handle, purpose: String) throws -> [Int] {
        let dataset = try openDataset(name, in: group, purpose: purpose)
        guard let type = HDF5Handle(H5Dget_type(dataset.id), close: H5Tclose),
              let space = HDF5Handle(H5Dget_space(dataset.id), close: H5Sclose) else {
            throw failure(.hdf5, "\(purpose): cannot inspect dataset \"\(name)\"")
        }
        let typeClass = H5Tget_class(type.id)
        guard typeClass == H5T_FLOAT else {
            let found = typeClass == H5T_INTEGER ? "integers" : typeClass == H5T_STRING ? "strings" : "non-numeric data"
            throw ModelFormatError(.layoutMismatch, file: path, "\(purpose): dataset \"\(name)\" holds \(found), not floating-point weights")
        }
        let rank = H5Sget_simple_extent_ndims(space.id)
        guard rank >= 0 else { throw failure(.hdf5, "\(purpose): cannot read the dimensions of \"\(name)\"") }
        var dimensions = [hsize_t](repeating: 0, count: Int(rank))
        guard H5Sget_simple_extent_dims(space.id, &dimensions, nil) == rank else {
            throw failure(.hdf5, "\(purpose): cannot read the dimensions of \"\(name)\"")
        }
        return dimensions.map { Int($0) }
    }

    /// The dataset's values converted by libhdf5 to native float32, row-major.
    func readFloats(_ name: String, in group: HDF5Handle, count: Int, purpose: String) throws -> [Float] {
        let dataset = try openDataset(name, in: group, purpose: purpose)
        var status: herr_t = 0
        let values = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            status = H5Dread(dataset.id, enhance_h5t_native_float(), enhance_h5s_all(), enhance_h5s_all(),
                             enhance_h5p_default(), buffer.baseAddress)
            // On failure the contents are garbage but still plain floats; they are discarded below.
            initialized = count
        }
        guard status >= 0 else { throw failure(.hdf5, "\(purpose): cannot read dataset \"\(name)\"") }
        return values
    }

    private func openDataset(_ name: String, in group: HDF5Handle, purpose: String) throws -> HDF5Handle {
        guard let dataset = HDF5Handle(H5Dopen2(group.id, name, enhance_h5p_default()), close: H5Dclose) else {
            throw failure(.layoutMismatch, "\(purpose): missing dataset \"\(name)\"")
        }
        return dataset
    }
}
