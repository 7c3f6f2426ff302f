# What `cmake --install` puts where, and the package that lets another project say
# find_package(mpinmf) and link mpinmf::mpinmf (or mpinmf::pure, without MPI and HDF5).
include(CMakePackageConfigHelpers)
set(MPINMF_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/mpinmf)

install(TARGETS mpinmf_formats mpinmf_pure mpinmf_engine EXPORT mpinmfTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS mpinmf RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY include/mpinmf DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT mpinmfTargets NAMESPACE mpinmf:: DESTINATION ${MPINMF_CMAKE_DIR})

configure_package_config_file(cmake/mpinmfConfig.cmake.in
  ${PROJECT_BINARY_DIR}/mpinmfConfig.cmake INSTALL_DESTINATION ${MPINMF_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/mpinmfConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/mpinmfConfig.cmake
              ${PROJECT_BINARY_DIR}/mpinmfConfigVersion.cmake
        DESTINATION ${MPINMF_CMAKE_DIR})

# The pictures and the batch scripts, as examples beside the program.
install(PROGRAMS scripts/plot/mpinmf_plot.py scripts/plot/convergence.py scripts/plot/factors.py
                 scripts/plot/survey.py scripts/plot/consensus.py
        DESTINATION ${CMAKE_INSTALL_DATADIR}/mpinmf/plot)
install(DIRECTORY slurm/ DESTINATION ${CMAKE_INSTALL_DATADIR}/mpinmf/slurm USE_SOURCE_PERMISSIONS)

# The man pages and the completion, written after the program is built (CMakeLists.txt).
install(DIRECTORY ${PROJECT_BINARY_DIR}/share/man1 DESTINATION ${CMAKE_INSTALL_MANDIR})
install(FILES ${PROJECT_BINARY_DIR}/share/completions/mpinmf
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
