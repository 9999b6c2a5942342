# Generated from soccer_lstm/config.py by `python -m soccer_lstm.cli_options makefile`; do not edit.
# A variable reaches a command only when it is set (make K=400 evaluate), so make and the CLI
# share every default.
opt = $(if $($(2)),--$(1) '$($(2))')
bool = $(if $(filter true yes 1,$($(2))),--$(1),$(if $(filter false no 0,$($(2))),--no-$(1)))
flag = $(if $(filter true yes 1,$($(2))),--$(1))

EXTRACT_FLAGS = $(call opt,resize,RESIZE) $(call opt,frame-step,FRAME_STEP) $(call opt,max-keypoints,MAX_KEYPOINTS) $(call bool,crop-bars,CROP_BARS) $(call opt,contrast-threshold,CONTRAST_THRESHOLD) $(call opt,flow-preset,FLOW_PRESET) $(call opt,grid,GRID) $(call opt,n-jobs,N_JOBS)
CODEBOOK_FLAGS = $(call opt,k,K) $(call opt,sample-size,SAMPLE_SIZE) $(call opt,kmeans-batch-size,KMEANS_BATCH_SIZE) $(call opt,seed,SEED)
ENCODE_FLAGS = $(call opt,features,FEATURES) $(call opt,motion-model,MOTION_MODEL) $(call opt,spm-levels,SPM_LEVELS) $(call opt,n-jobs,N_JOBS)
TRAIN_FLAGS = $(call opt,classifier,CLASSIFIER) $(call opt,units,UNITS) $(call opt,optimizer,OPTIMIZER) $(call opt,learning-rate,LEARNING_RATE) $(call opt,batch-size,BATCH_SIZE) $(call opt,epochs,EPOCHS) $(call opt,patience,PATIENCE) $(call opt,validation-split,VALIDATION_SPLIT) $(call opt,dropout,DROPOUT) $(call opt,aggregation,AGGREGATION) $(call opt,max-steps,MAX_STEPS) $(call opt,scale,SCALE) $(call opt,ensemble,ENSEMBLE) $(call opt,fusion,FUSION) $(call bool,mirror,MIRROR) $(call opt,seed,SEED) $(call flag,plot,PLOT)
EVALUATE_FLAGS = $(call opt,k,K) $(call opt,sample-size,SAMPLE_SIZE) $(call opt,kmeans-batch-size,KMEANS_BATCH_SIZE) $(call opt,seed,SEED) $(call opt,features,FEATURES) $(call opt,motion-model,MOTION_MODEL) $(call opt,spm-levels,SPM_LEVELS) $(call opt,classifier,CLASSIFIER) $(call opt,units,UNITS) $(call opt,optimizer,OPTIMIZER) $(call opt,learning-rate,LEARNING_RATE) $(call opt,batch-size,BATCH_SIZE) $(call opt,epochs,EPOCHS) $(call opt,patience,PATIENCE) $(call opt,validation-split,VALIDATION_SPLIT) $(call opt,dropout,DROPOUT) $(call opt,aggregation,AGGREGATION) $(call opt,max-steps,MAX_STEPS) $(call opt,scale,SCALE) $(call opt,ensemble,ENSEMBLE) $(call opt,fusion,FUSION) $(call bool,mirror,MIRROR) $(call opt,folds,FOLDS) $(call opt,n-jobs,N_JOBS) $(call opt,threads,THREADS) $(call opt,seeds,SEEDS)
REPRODUCE_FLAGS = $(call opt,n-jobs,N_JOBS) $(call opt,threads,THREADS) $(call opt,seeds,SEEDS)
SCORE_FLAGS = $(call opt,min-margin,MIN_MARGIN)
SPOT_FLAGS = $(call opt,background,BACKGROUND) $(call opt,inference,INFERENCE) $(call opt,window,WINDOW) $(call opt,stride,STRIDE) $(call opt,nms,NMS) $(call opt,min-confidence,MIN_CONFIDENCE) $(call bool,html,HTML) $(call opt,resize,RESIZE) $(call opt,frame-step,FRAME_STEP) $(call opt,max-keypoints,MAX_KEYPOINTS) $(call bool,crop-bars,CROP_BARS) $(call opt,contrast-threshold,CONTRAST_THRESHOLD) $(call opt,flow-preset,FLOW_PRESET) $(call opt,grid,GRID) $(call opt,n-jobs,N_JOBS) $(call flag,plot,PLOT)

define OPTIONS_HELP
  AGGREGATION        mean     How per-frame decisions become one clip label.
  BACKGROUND         background The model's class for 'no action' (never spotted; the model must have it).
  BATCH_SIZE         8        Clips per update (adam; the paper preset uses 1).
  CLASSIFIER         lstm     Clip classifier: lstm (the paper's model) or a baseline of the results table (nw_knn, nw_svm, chi2_svm, frame_svm_vote, clip_logistic).
  CONTRAST_THRESHOLD 0.04     SIFT contrast threshold (OpenCV's default 0.04).
  CROP_BARS          true     Remove black letterbox/pillarbox bars before resizing.
  DROPOUT            0.2      Dropout on the LSTM inputs.
  ENSEMBLE           1        Independent LSTMs (consecutive seeds) averaged into one model.
  EPOCHS             150      Maximum epochs (early stopping usually ends sooner).
  FEATURES           spm+motion+hof+mbh+hog Per-frame vector: any '+' combination of bow, spm, motion, hof, mbh, hog (visual words, visual words per cell of a spatial pyramid, camera motion, local motion histograms, motion boundaries, gradient layout).
  FLOW_PRESET        fast     DIS optical flow preset for the local motion histograms (HOF, MBH).
  FOLDS              3        k of k-fold cross-validation (3 in the paper).
  FRAME_STEP         1        Keep every n-th frame.
  FUSION             joint    Several kinds: one LSTM per kind with scores added under one softmax (joint), one softmax each, averaged (late), or one LSTM on all (early).
  GRID               3        Cells per side of the HOF/MBH/HOG spatial grid.
  HTML               false    Also write OUT/GAME/index.html: the video, the timeline and the events on one self-contained page (click an event to jump there).
  INFERENCE          centred  Classify overlapping windows as clips, each decision at its window's centre (centred; any classifier); average the LSTM's per-frame outputs over the windows (windows); or run the LSTM once over the whole video, its state carried on (state).
  K                  200      Visual words (k-means clusters).
  KMEANS_BATCH_SIZE  4096     MiniBatchKMeans batch size.
  LEARNING_RATE      0.001    Adam learning rate (the paper preset fixes its own).
  MAX_KEYPOINTS      300      Strongest SIFT keypoints kept per frame (0 = all).
  MAX_STEPS          0        Truncate sequences longer than this many frames (0 = no limit).
  MIN_CONFIDENCE     0.05     Lowest probability peak reported as an event (raise it for a shorter list; AP ranks them by confidence).
  MIN_MARGIN         0.15     Flag an answer as low confidence when its top probability beats the runner-up by less than this.
  MIRROR             true     Also train on left-right mirrored copies of the clips' camera and local motion.
  MOTION_MODEL       affine   Camera motion model: affine (6 numbers) or similarity (4 numbers).
  NMS                10.0     Suppression window in seconds: no two events of one class closer than this.
  N_JOBS             1        Parallel worker processes for per-clip work and cross-validation folds (-1 = all cores).
  OPTIMIZER          adam     adam (fast) or paper (SGD lr 1e-4, momentum 0.9, one clip per update).
  PATIENCE           20       Early stopping: epochs without validation improvement.
  PLOT               -        1: also draw the figures (train: OUT/model/learning_curve.png; spot: a timeline per video).
  RESIZE             320      Longest side of processed frames in pixels (0 keeps the decoded size).
  SAMPLE_SIZE        50000    Descriptors sampled (seeded) to fit k-means; bounds memory.
  SCALE              all      Standardise every column, the motion columns or none (training-clip statistics).
  SEED               0        Seed of the descriptor sample and k-means; the weight initialisation, shuffling and the validation split; the fold assignment.
  SEEDS              -        Repeat cross-validation with these seeds, e.g. 0,1,2 (default: --seed); the folds stay fixed.
  SPM_LEVELS         1,2      Levels of the spm pyramid: cells per side of each, e.g. 1,2 (the whole frame and 2x2 cells) or 1,2,4.
  STRIDE             0.0      Seconds between window starts (0: a quarter of the window).
  THREADS            1        Threads for k-means, BLAS and TensorFlow in this process (0 = the libraries' defaults).
  UNITS              150      LSTM cells (150 in the paper).
  VALIDATION_SPLIT   0.2      Share of training clips held out for early stopping.
  WINDOW             0.0      Seconds of video per window (0: the longest training clip).
endef
export OPTIONS_HELP
