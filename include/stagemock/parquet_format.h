/*
 * parquet_format.h - the parquet.thrift enums and field ids that the reader
 * (mock_server/src/parquet/) and the fixture writer (fixtures/pqwrite/) share,
 * so the two sides cannot drift. Values are the wire values of
 * apache/parquet-format's parquet.thrift and the Thrift compact protocol; this
 * header holds constants only, no code.
 */
#ifndef STAGEMOCK_PARQUET_FORMAT_H
#define STAGEMOCK_PARQUET_FORMAT_H

#define SM_PQ_MAGIC           "PAR1"
#define SM_PQ_MAGIC_ENCRYPTED "PARE"
#define SM_PQ_MAGIC_LEN       4
#define SM_PQ_TAIL_LEN        8 /* 4-byte little-endian footer length + magic */

/* Thrift compact protocol element types (low nibble of a field header). */
enum sm_tc_type {
    SM_TC_T_STOP = 0,
    SM_TC_T_TRUE = 1,
    SM_TC_T_FALSE = 2,
    SM_TC_T_BYTE = 3,
    SM_TC_T_I16 = 4,
    SM_TC_T_I32 = 5,
    SM_TC_T_I64 = 6,
    SM_TC_T_DOUBLE = 7,
    SM_TC_T_BINARY = 8,
    SM_TC_T_LIST = 9,
    SM_TC_T_SET = 10,
    SM_TC_T_MAP = 11,
    SM_TC_T_STRUCT = 12,
    SM_TC_T_UUID = 13,
};

/* parquet Type */
enum sm_pq_type {
    SM_PQ_BOOLEAN = 0,
    SM_PQ_INT32 = 1,
    SM_PQ_INT64 = 2,
    SM_PQ_INT96 = 3,
    SM_PQ_FLOAT = 4,
    SM_PQ_DOUBLE = 5,
    SM_PQ_BYTE_ARRAY = 6,
    SM_PQ_FIXED_LEN_BYTE_ARRAY = 7,
};
#define SM_PQ_TYPE_MAX 7

/* ConvertedType */
enum sm_pq_converted {
    SM_PQ_CT_UTF8 = 0,
    SM_PQ_CT_MAP = 1,
    SM_PQ_CT_MAP_KEY_VALUE = 2,
    SM_PQ_CT_LIST = 3,
    SM_PQ_CT_ENUM = 4,
    SM_PQ_CT_DECIMAL = 5,
    SM_PQ_CT_DATE = 6,
    SM_PQ_CT_TIME_MILLIS = 7,
    SM_PQ_CT_TIME_MICROS = 8,
    SM_PQ_CT_TIMESTAMP_MILLIS = 9,
    SM_PQ_CT_TIMESTAMP_MICROS = 10,
    SM_PQ_CT_UINT_8 = 11,
    SM_PQ_CT_UINT_16 = 12,
    SM_PQ_CT_UINT_32 = 13,
    SM_PQ_CT_UINT_64 = 14,
    SM_PQ_CT_INT_8 = 15,
    SM_PQ_CT_INT_16 = 16,
    SM_PQ_CT_INT_32 = 17,
    SM_PQ_CT_INT_64 = 18,
    SM_PQ_CT_JSON = 19,
    SM_PQ_CT_BSON = 20,
    SM_PQ_CT_INTERVAL = 21,
};
#define SM_PQ_CONVERTED_MAX 21

/* FieldRepetitionType */
enum sm_pq_repetition {
    SM_PQ_REQUIRED = 0,
    SM_PQ_OPTIONAL = 1,
    SM_PQ_REPEATED = 2,
};

/* Encoding */
enum sm_pq_encoding {
    SM_PQ_ENC_PLAIN = 0,
    SM_PQ_ENC_GROUP_VAR_INT = 1, /* deprecated, never written */
    SM_PQ_ENC_PLAIN_DICTIONARY = 2,
    SM_PQ_ENC_RLE = 3,
    SM_PQ_ENC_BIT_PACKED = 4,
    SM_PQ_ENC_DELTA_BINARY_PACKED = 5,
    SM_PQ_ENC_DELTA_LENGTH_BYTE_ARRAY = 6,
    SM_PQ_ENC_DELTA_BYTE_ARRAY = 7,
    SM_PQ_ENC_RLE_DICTIONARY = 8,
    SM_PQ_ENC_BYTE_STREAM_SPLIT = 9,
};
#define SM_PQ_ENCODING_MAX 9

/* CompressionCodec */
enum sm_pq_codec {
    SM_PQ_UNCOMPRESSED = 0,
    SM_PQ_SNAPPY = 1,
    SM_PQ_GZIP = 2,
    SM_PQ_LZO = 3,
    SM_PQ_BROTLI = 4,
    SM_PQ_LZ4 = 5,
    SM_PQ_ZSTD = 6,
    SM_PQ_LZ4_RAW = 7,
};
#define SM_PQ_CODEC_MAX 7
/* Bit for a codec in an "accepted codecs" mask. RULES.md `codec` default. */
#define SM_PQ_CODEC_BIT(c)   (1u << (unsigned)(c))
#define SM_PQ_CODECS_DEFAULT (SM_PQ_CODEC_BIT(SM_PQ_UNCOMPRESSED) | SM_PQ_CODEC_BIT(SM_PQ_SNAPPY))

/* PageType */
enum sm_pq_page_type {
    SM_PQ_DATA_PAGE = 0,
    SM_PQ_INDEX_PAGE = 1,
    SM_PQ_DICTIONARY_PAGE = 2,
    SM_PQ_DATA_PAGE_V2 = 3,
};

/* LogicalType union members (field ids of the union). */
enum sm_pq_logical {
    SM_PQ_LT_NONE = 0, /* not a wire value: no logical type */
    SM_PQ_LT_STRING = 1,
    SM_PQ_LT_MAP = 2,
    SM_PQ_LT_LIST = 3,
    SM_PQ_LT_ENUM = 4,
    SM_PQ_LT_DECIMAL = 5, /* DecimalType: 1 scale, 2 precision */
    SM_PQ_LT_DATE = 6,
    SM_PQ_LT_TIME = 7,      /* TimeType: 1 isAdjustedToUTC, 2 unit */
    SM_PQ_LT_TIMESTAMP = 8, /* TimestampType: 1 isAdjustedToUTC, 2 unit */
    /* 9 is reserved (INTERVAL) */
    SM_PQ_LT_INTEGER = 10, /* IntType: 1 bitWidth (i8), 2 isSigned */
    SM_PQ_LT_UNKNOWN = 11, /* NullType */
    SM_PQ_LT_JSON = 12,
    SM_PQ_LT_BSON = 13,
    SM_PQ_LT_UUID = 14,
    SM_PQ_LT_FLOAT16 = 15,
    SM_PQ_LT_VARIANT = 16,
    SM_PQ_LT_GEOMETRY = 17,
    SM_PQ_LT_GEOGRAPHY = 18,
};

/* TimeUnit union members */
enum sm_pq_time_unit {
    SM_PQ_UNIT_NONE = 0,
    SM_PQ_UNIT_MILLIS = 1,
    SM_PQ_UNIT_MICROS = 2,
    SM_PQ_UNIT_NANOS = 3,
};

/* Field ids, per struct. */
enum sm_pq_fid_file_metadata {
    SM_PQ_FMD_VERSION = 1,
    SM_PQ_FMD_SCHEMA = 2,
    SM_PQ_FMD_NUM_ROWS = 3,
    SM_PQ_FMD_ROW_GROUPS = 4,
    SM_PQ_FMD_KEY_VALUE_METADATA = 5,
    SM_PQ_FMD_CREATED_BY = 6,
    SM_PQ_FMD_COLUMN_ORDERS = 7,
    SM_PQ_FMD_ENCRYPTION_ALGORITHM = 8,
    SM_PQ_FMD_FOOTER_SIGNING_KEY_METADATA = 9,
};
enum sm_pq_fid_schema_element {
    SM_PQ_SE_TYPE = 1,
    SM_PQ_SE_TYPE_LENGTH = 2,
    SM_PQ_SE_REPETITION_TYPE = 3,
    SM_PQ_SE_NAME = 4,
    SM_PQ_SE_NUM_CHILDREN = 5,
    SM_PQ_SE_CONVERTED_TYPE = 6,
    SM_PQ_SE_SCALE = 7,
    SM_PQ_SE_PRECISION = 8,
    SM_PQ_SE_FIELD_ID = 9,
    SM_PQ_SE_LOGICAL_TYPE = 10,
};
enum sm_pq_fid_row_group {
    SM_PQ_RG_COLUMNS = 1,
    SM_PQ_RG_TOTAL_BYTE_SIZE = 2,
    SM_PQ_RG_NUM_ROWS = 3,
    SM_PQ_RG_SORTING_COLUMNS = 4,
    SM_PQ_RG_FILE_OFFSET = 5,
    SM_PQ_RG_TOTAL_COMPRESSED_SIZE = 6,
    SM_PQ_RG_ORDINAL = 7,
};
enum sm_pq_fid_column_chunk {
    SM_PQ_CC_FILE_PATH = 1,
    SM_PQ_CC_FILE_OFFSET = 2,
    SM_PQ_CC_META_DATA = 3,
    SM_PQ_CC_OFFSET_INDEX_OFFSET = 4,
    SM_PQ_CC_OFFSET_INDEX_LENGTH = 5,
    SM_PQ_CC_COLUMN_INDEX_OFFSET = 6,
    SM_PQ_CC_COLUMN_INDEX_LENGTH = 7,
    SM_PQ_CC_CRYPTO_METADATA = 8,
    SM_PQ_CC_ENCRYPTED_COLUMN_METADATA = 9,
};
enum sm_pq_fid_column_metadata {
    SM_PQ_CMD_TYPE = 1,
    SM_PQ_CMD_ENCODINGS = 2,
    SM_PQ_CMD_PATH_IN_SCHEMA = 3,
    SM_PQ_CMD_CODEC = 4,
    SM_PQ_CMD_NUM_VALUES = 5,
    SM_PQ_CMD_TOTAL_UNCOMPRESSED_SIZE = 6,
    SM_PQ_CMD_TOTAL_COMPRESSED_SIZE = 7,
    SM_PQ_CMD_KEY_VALUE_METADATA = 8,
    SM_PQ_CMD_DATA_PAGE_OFFSET = 9,
    SM_PQ_CMD_INDEX_PAGE_OFFSET = 10,
    SM_PQ_CMD_DICTIONARY_PAGE_OFFSET = 11,
    SM_PQ_CMD_STATISTICS = 12,
    SM_PQ_CMD_ENCODING_STATS = 13,
    SM_PQ_CMD_BLOOM_FILTER_OFFSET = 14,
    SM_PQ_CMD_BLOOM_FILTER_LENGTH = 15,
    SM_PQ_CMD_SIZE_STATISTICS = 16,
    SM_PQ_CMD_GEOSPATIAL_STATISTICS = 17,
};
enum sm_pq_fid_page_header {
    SM_PQ_PH_TYPE = 1,
    SM_PQ_PH_UNCOMPRESSED_PAGE_SIZE = 2,
    SM_PQ_PH_COMPRESSED_PAGE_SIZE = 3,
    SM_PQ_PH_CRC = 4,
    SM_PQ_PH_DATA_PAGE_HEADER = 5,
    SM_PQ_PH_INDEX_PAGE_HEADER = 6,
    SM_PQ_PH_DICTIONARY_PAGE_HEADER = 7,
    SM_PQ_PH_DATA_PAGE_HEADER_V2 = 8,
};
enum sm_pq_fid_data_page_header {
    SM_PQ_DPH_NUM_VALUES = 1,
    SM_PQ_DPH_ENCODING = 2,
    SM_PQ_DPH_DEFINITION_LEVEL_ENCODING = 3,
    SM_PQ_DPH_REPETITION_LEVEL_ENCODING = 4,
    SM_PQ_DPH_STATISTICS = 5,
};
enum sm_pq_fid_dictionary_page_header {
    SM_PQ_DICT_NUM_VALUES = 1,
    SM_PQ_DICT_ENCODING = 2,
    SM_PQ_DICT_IS_SORTED = 3,
};
enum sm_pq_fid_data_page_header_v2 {
    SM_PQ_DPH2_NUM_VALUES = 1,
    SM_PQ_DPH2_NUM_NULLS = 2,
    SM_PQ_DPH2_NUM_ROWS = 3,
    SM_PQ_DPH2_ENCODING = 4,
    SM_PQ_DPH2_DEFINITION_LEVELS_BYTE_LENGTH = 5,
    SM_PQ_DPH2_REPETITION_LEVELS_BYTE_LENGTH = 6,
    SM_PQ_DPH2_IS_COMPRESSED = 7,
    SM_PQ_DPH2_STATISTICS = 8,
};
enum sm_pq_fid_statistics {
    SM_PQ_ST_MAX = 1,
    SM_PQ_ST_MIN = 2,
    SM_PQ_ST_NULL_COUNT = 3,
    SM_PQ_ST_DISTINCT_COUNT = 4,
    SM_PQ_ST_MAX_VALUE = 5,
    SM_PQ_ST_MIN_VALUE = 6,
    SM_PQ_ST_IS_MAX_VALUE_EXACT = 7,
    SM_PQ_ST_IS_MIN_VALUE_EXACT = 8,
};
enum sm_pq_fid_key_value {
    SM_PQ_KV_KEY = 1,
    SM_PQ_KV_VALUE = 2,
};
enum sm_pq_fid_decimal_type {
    SM_PQ_DEC_SCALE = 1,
    SM_PQ_DEC_PRECISION = 2,
};
enum sm_pq_fid_time_type { /* TimeType and TimestampType */
                           SM_PQ_TT_IS_ADJUSTED_TO_UTC = 1,
                           SM_PQ_TT_UNIT = 2,
};
enum sm_pq_fid_int_type {
    SM_PQ_INT_BIT_WIDTH = 1,
    SM_PQ_INT_IS_SIGNED = 2,
};
enum sm_pq_fid_encryption_algorithm { /* union */
                                      SM_PQ_EA_AES_GCM_V1 = 1,
                                      SM_PQ_EA_AES_GCM_CTR_V1 = 2,
};

#endif
