# The Debian package (scripts/package.sh: cpack -G DEB in the build folder): what
# `cmake --install` puts under /usr, with the runtime libraries it links found by
# dpkg-shlibdeps (Debian's Open MPI, parallel HDF5, OpenBLAS, Boost), mpirun to start it, and
# the development packages that find_package(mpinmf) needs recommended.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME mpinmf)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "distributed non-negative matrix factorization (MPI)")
set(CPACK_PACKAGE_CONTACT "mpinmf developers <mpinmf@invalid>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "openmpi-bin")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS
    "libopenmpi-dev, libhdf5-openmpi-dev, libeigen3-dev, libopenblas-dev, python3-h5py,
    python3-matplotlib")
include(CPack)
