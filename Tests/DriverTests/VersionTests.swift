import Testing
@testable import Driver

/// All four C libraries link and answer: the versions come from the libraries themselves.
@Test func versionsComeFromTheLinkedLibraries() {
    let libraries = Dictionary(uniqueKeysWithValues: Versions.libraries)
    #expect(libraries["MuJoCo"] == "2.2.2")
    #expect(libraries["HDF5"]?.hasPrefix("1.") == true)
    #expect(libraries["readline"]?.hasPrefix("8.") == true)
    #expect(libraries["OpenBLAS"]?.isEmpty == false)
    #expect(Versions.summary.hasPrefix("cdsa \(Versions.cdsa)"))
}
