import { describeObjectStorage, localDirectoryStorageFactory } from "../src/testing/index.ts";
import { s3StorageFactory } from "../src/testing/s3.ts";

describeObjectStorage(localDirectoryStorageFactory);
describeObjectStorage(s3StorageFactory);
