import CHDF5

/// Ownership of one libhdf5 identifier (file, group, dataset, attribute,
/// dataspace, datatype): closed exactly once, when the last Swift reference
/// goes. Handles are created and released only inside `HDF5Library.locked`,
/// so they never outlive the lock that makes libhdf5 safe to call.
final class HDF5Handle {
    let id: hid_t
    private let close: (hid_t) -> herr_t

    /// Returns nil for the negative identifiers libhdf5 uses to report failure.
    init?(_ id: hid_t, close: @escaping (hid_t) -> herr_t) {
        guard id >= 0 else { return nil }
        self.id = id
        self.close = close
    }

    deinit {
        _ = close(id)
    }
}
