DROP TABLE missing_data_windows;
