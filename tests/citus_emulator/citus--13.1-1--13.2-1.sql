/*
 * Citus API emulator, update script of the extension "citus" from 13.1-1 to 13.2-1.
 *
 * Every version of the emulator's extension is its 13.2-1 install script under another name (the older
 * ones built by the Makefile), so the update has nothing to change: it exists so that CREATE EXTENSION
 * citus VERSION '13.1-1' followed by ALTER EXTENSION citus UPDATE takes the path it takes with the real
 * package (which chains its citus--A--B.sql scripts) and ends at extversion 13.2-1.
 */
\echo Use "ALTER EXTENSION citus UPDATE" to load this file. \quit
